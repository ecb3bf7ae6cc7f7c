"""The self-service link, through the real database and SMTP server: every letter a client gets about a booking
carries one link to that booking, its token signed for it (the page and the booking service can tell it is
theirs), in the plain text and the HTML alike; therapists' letters carry none; the delivery rows keep no token."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

from services.notifications.domain.messages import Kind
from shared import links
from tests.integration.notifications.story import (
    ANNA,
    BEN,
    LENA,
    MARIA,
    TUESDAY_2PM,
    Clinic,
    Letter,
    approved,
    cancelled,
    confirmed,
    declined,
    held_for_review,
    rejected,
    rescheduled,
)

SECRET = "integration-link-secret"
PAGE = "http://127.0.0.1:8000/manage/"
LINK = re.compile(re.escape(PAGE) + r"#booking=([^&\s\"]+)&token=([^\s\"]+)")
CLIENT_KINDS = {kind for kind in Kind if not kind.to_therapist and kind is not Kind.BOOKING_REMINDER_SHORT}


def a_week_of_bookings(clinic: Clinic) -> None:
    """Maria's visit confirmed, moved, reminded of and cancelled; Lena's held, approved; Maria's held, declined;
    Lena's rejected. Each step's letters are sent before the next."""
    days_before = lambda n: TUESDAY_2PM - timedelta(days=n)  # noqa: E731 - when the booking service said so
    visit = confirmed(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(visit, occurred_at=days_before(5))
    moved = rescheduled(visit, TUESDAY_2PM + timedelta(hours=1), therapist=BEN)
    clinic.hear(moved, occurred_at=days_before(4))
    clinic.sweep_until_settled()
    assert clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=20)) == 1
    clinic.sweep_until_settled()
    clinic.hear(cancelled(moved), occurred_at=days_before(0))
    held = held_for_review(TUESDAY_2PM + timedelta(hours=2), client=LENA, therapist=ANNA)
    clinic.hear(held, occurred_at=days_before(4))
    clinic.hear(approved(held), occurred_at=days_before(3))
    also_held = held_for_review(TUESDAY_2PM + timedelta(hours=4), client=MARIA, therapist=ANNA)
    clinic.hear(also_held, occurred_at=days_before(4))
    clinic.hear(declined(also_held), occurred_at=days_before(3))
    clinic.hear(rejected(client=LENA), occurred_at=days_before(3))
    clinic.sweep_until_settled()


def links_in(letter: Letter) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(booking id, token) of every link in the plain text, and in the HTML (its `&amp;` read as `&`)."""
    return LINK.findall(letter.text), LINK.findall(letter.html.replace("&amp;", "&"))


def test_every_client_letter_links_to_its_own_booking_and_no_therapist_letter_does(clinic: Clinic) -> None:
    clinic = replace(clinic, settings=replace(clinic.settings, manage_url=PAGE, link_secret=SECRET))
    a_week_of_bookings(clinic)

    rows = clinic.deliveries()
    assert {Kind(row.kind) for row in rows if not Kind(row.kind).to_therapist} == CLIENT_KINDS
    for row in rows:
        letter = clinic.letter(Kind(row.kind), row.recipient, row.booking_id)
        text_links, html_links = links_in(letter)
        if Kind(row.kind).to_therapist:
            assert text_links == html_links == [], f"{row.kind} to {row.recipient} carries a client's link"
            assert "token=" not in letter.raw.decode(errors="replace")
            continue
        assert len(text_links) == len(html_links) == 1, row.kind
        assert text_links == html_links
        [(booking_id, token)] = text_links
        assert booking_id == row.booking_id
        assert links.booking_of(token, SECRET) == row.booking_id, row.kind
        # Signed when sent, so the row (and the staff log made of it) never holds it.
        assert token not in json.dumps(row.context) and PAGE not in json.dumps(row.context)


def test_without_a_secret_no_letter_carries_a_link(clinic: Clinic) -> None:
    clinic = replace(clinic, settings=replace(clinic.settings, manage_url=PAGE, link_secret=""))
    a_week_of_bookings(clinic)

    letters = clinic.mail.letters()
    assert {letter.envelope_recipients[0] for letter in letters} >= {MARIA.email, LENA.email}
    for letter in letters:
        assert links_in(letter) == ([], []), letter.subject
        assert PAGE not in letter.raw.decode(errors="replace")
