from __future__ import annotations

from shared import links


def test_a_signed_link_names_its_booking() -> None:
    assert links.booking_of(links.sign("b-1", "secret"), "secret") == "b-1"


def test_a_link_signed_with_another_secret_or_altered_is_refused() -> None:
    token = links.sign("b-1", "secret")
    assert links.booking_of(token, "another") is None
    assert links.booking_of(token.replace("b", "c", 1) + "x", "secret") is None
    assert links.booking_of("b-1", "secret") is None


def test_without_a_secret_no_link_is_accepted() -> None:
    assert links.booking_of(links.sign("b-1", "secret"), "") is None


def test_the_fragment_carries_the_id_and_the_signed_token() -> None:
    fragment = links.fragment("b-1", "secret")
    booking, token = (part.split("=", 1)[1] for part in fragment.split("&"))
    assert booking == "b-1"
    assert links.booking_of(token, "secret") == "b-1"
