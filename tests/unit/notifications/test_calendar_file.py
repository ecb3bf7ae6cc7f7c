"""The calendar file of a message is the same bytes whenever it is rendered: a resend (after a worker
died mid-send) carries the same entry, stamped with the time of the visit's version, not of the send."""

from __future__ import annotations

import time_machine

from services.notifications.adapters.calendar import visit_ics

ENTRY = {
    "uid": "b1@clinic.example", "sequence": 0, "method": "REQUEST", "stamp": "2026-12-01T09:30:00+00:00",
    "start": "2026-12-03T12:00:00+00:00", "end": "2026-12-03T12:45:00+00:00", "timezone": "Europe/Berlin",
    "summary": "Back & Leg + Cupping - The Clinic", "location": "Main", "description": "45 min",
    "attendee_name": "Maria", "attendee_email": "maria@example.com",
}  # fmt: skip


def test_the_calendar_file_does_not_change_with_the_time_it_is_rendered() -> None:
    with time_machine.travel("2026-12-01T10:00:00+00:00"):
        first = visit_ics(ENTRY, "bookings@clinic.example", "The Clinic")
    with time_machine.travel("2026-12-02T18:00:00+00:00"):
        again = visit_ics(ENTRY, "bookings@clinic.example", "The Clinic")
    assert first.data == again.data
    assert b"DTSTAMP:20261201T093000Z" in first.data
