"""A booking's life: pending until resources and a therapist are held, then confirmed or rejected."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.booking.domain.exceptions import BookingError, IllegalTransition
from services.booking.domain.model import TRANSITIONS, Booking, Client, Status

HELD = {"room": "room-1", "cupping_kit": "kit-a"}


def new_booking() -> Booking:
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return Booking(
        id=str(uuid.uuid4()),
        treatment="back-leg-cupping",
        start=start,
        end=start + timedelta(minutes=45),
        client=Client(name="Maria Schmidt", email="maria@example.com"),
        token_hash="0" * 64,
        correlation_id="test",
    )


def confirmed_booking() -> Booking:
    booking = new_booking()
    booking.hold(HELD)
    booking.confirm("anna-keller")
    return booking


def rejected_booking() -> Booking:
    booking = new_booking()
    booking.reject("no cupping kit is free at 13:00 on 01 Dec 2026")
    return booking


def test_a_new_booking_is_pending_and_waits_for_resources() -> None:
    booking = new_booking()
    assert booking.status is Status.PENDING
    assert booking.version == 1
    assert booking.awaiting_resources and not booking.awaiting_therapist


def test_holding_a_room_and_kit_moves_the_saga_on_to_the_therapist() -> None:
    booking = new_booking()
    booking.hold(HELD)
    assert booking.resources == HELD
    assert booking.status is Status.PENDING
    assert booking.awaiting_therapist and not booking.awaiting_resources


def test_the_held_resources_are_the_bookings_own_copy() -> None:
    resources = dict(HELD)
    booking = new_booking()
    booking.hold(resources)
    resources["room"] = "room-3"
    assert booking.resources["room"] == "room-1"


def test_assigning_a_therapist_confirms_the_booking() -> None:
    booking = new_booking()
    booking.hold(HELD)
    booking.confirm("anna-keller")
    assert booking.status is Status.CONFIRMED
    assert booking.therapist == "anna-keller"
    assert booking.resources == HELD
    assert booking.version == 2
    assert not booking.awaiting_resources and not booking.awaiting_therapist


def test_a_rejected_booking_releases_whatever_it_held() -> None:
    booking = new_booking()
    booking.hold(HELD)
    booking.reject("no therapist qualified in medical massage and cupping is free at 13:00 on 01 Dec 2026")
    assert booking.status is Status.REJECTED
    assert booking.resources == {}
    assert booking.therapist is None
    assert booking.reason is not None and booking.reason.startswith("no therapist qualified")
    assert booking.version == 2


def test_a_booking_can_be_rejected_before_anything_was_held() -> None:
    booking = rejected_booking()
    assert booking.status is Status.REJECTED
    assert booking.version == 2


@pytest.mark.parametrize(
    ("make", "change", "message"),
    [
        (confirmed_booking, lambda b: b.confirm("ben-okafor"), "a confirmed booking cannot become confirmed"),
        (confirmed_booking, lambda b: b.reject("changed my mind"), "a confirmed booking cannot become rejected"),
        (rejected_booking, lambda b: b.confirm("anna-keller"), "a rejected booking cannot become confirmed"),
        (rejected_booking, lambda b: b.reject("again"), "a rejected booking cannot become rejected"),
    ],
    ids=["confirm-twice", "reject-confirmed", "confirm-rejected", "reject-twice"],
)
def test_an_illegal_transition_is_refused_and_says_why(
    make: Callable[[], Booking], change: Callable[[Booking], None], message: str
) -> None:
    booking = make()
    before = (booking.status, booking.version, dict(booking.resources), booking.therapist, booking.reason)
    with pytest.raises(IllegalTransition) as refused:
        change(booking)
    assert str(refused.value) == message
    assert (booking.status, booking.version, dict(booking.resources), booking.therapist, booking.reason) == before


def test_an_illegal_transition_is_a_booking_error_the_api_can_report() -> None:
    assert issubclass(IllegalTransition, BookingError)


def test_resources_are_held_only_once() -> None:
    booking = new_booking()
    booking.hold(HELD)
    with pytest.raises(IllegalTransition, match="resources are held only once, while the booking is pending"):
        booking.hold({"room": "room-2", "cupping_kit": "kit-b"})
    assert booking.resources == HELD


@pytest.mark.parametrize("make", [confirmed_booking, rejected_booking], ids=["confirmed", "rejected"])
def test_a_decided_booking_holds_nothing_new(make: Callable[[], Booking]) -> None:
    booking = make()
    resources = dict(booking.resources)
    with pytest.raises(IllegalTransition, match="while the booking is pending"):
        booking.hold({"room": "room-2"})
    assert booking.resources == resources


def test_every_change_of_state_counts_a_new_version() -> None:
    booking = new_booking()
    versions = [booking.version]
    booking.hold(HELD)  # holding is a step of the saga, not a change of state
    versions.append(booking.version)
    booking.confirm("anna-keller")
    versions.append(booking.version)
    assert versions == [1, 1, 2]


def test_a_pending_booking_can_be_confirmed_or_rejected() -> None:
    assert {Status.CONFIRMED, Status.REJECTED} <= TRANSITIONS[Status.PENDING]
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("final", [Status.REJECTED, Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW])
def test_a_decided_booking_never_changes_again(final: Status) -> None:
    assert TRANSITIONS[final] == frozenset()
