"""A confirmed booking's calendar file: one VEVENT whose UID and SEQUENCE are the ones notifications
gives the same visit's emailed invitation, so a calendar app keeps a single entry."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from services.booking.config import BookingSettings
from services.booking.domain.exceptions import IllegalTransition
from services.booking.service_layer.calendar_file import calendar_file
from services.notifications.bootstrap import mail_settings
from services.notifications.config import NotificationSettings
from services.notifications.domain.messages import calendar_sequence
from shared.events import LocationPublished
from tests.support.clock import FixedClock
from tests.unit.booking.conftest import BERLIN, RULES, TUESDAY, ask, at, book
from tests.unit.booking.fakes import FakeRepository


def test_a_confirmed_booking_is_one_event_in_the_locations_time(repository: FakeRepository, clock: FixedClock) -> None:
    repository.keep_copy(LocationPublished(code="main", revision=1, name="Clinic Mitte", timezone=BERLIN.key))
    booking = book(repository, at(TUESDAY, 13))

    ics = calendar_file(repository, booking, RULES, "clinic.example", clock.now())

    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["uid"]) == f"{booking.id}@clinic.example"
    assert event["sequence"] == calendar_sequence(booking.version) == 0
    assert event.decoded("dtstart") == at(TUESDAY, 13)
    assert event.decoded("dtend") == at(TUESDAY, 13, 45)
    assert event.decoded("dtstart").tzinfo.key == BERLIN.key  # type: ignore[union-attr]
    assert str(event["summary"]) == "Back & Leg + Cupping"
    assert str(event["location"]) == "Clinic Mitte"
    assert str(event["description"]) == "Back & Leg + Cupping with Anna Keller"
    assert b"maria" not in ics.lower()  # no client data in a file that is passed around


def test_a_moved_visit_raises_the_sequence_as_the_emails_do(repository: FakeRepository, clock: FixedClock) -> None:
    booking = book(repository, at(TUESDAY, 13))
    booking.version += 2  # moved twice

    [event] = Calendar.from_ical(calendar_file(repository, booking, RULES, "x.example", clock.now())).walk("VEVENT")

    assert event["sequence"] == calendar_sequence(booking.version) == 2
    assert str(event["location"]) == "main"  # no catalog entry for the location: its code


def test_only_a_confirmed_booking_has_a_calendar_file(repository: FakeRepository, clock: FixedClock) -> None:
    pending = ask(repository, at(TUESDAY, 13))

    with pytest.raises(IllegalTransition, match="only a confirmed booking can be added to a calendar"):
        calendar_file(repository, pending, RULES, "clinic.example", clock.now())


@pytest.mark.parametrize(
    "mail_from", ["Clinic bookings <bookings@clinic.example>", "front@praxis.example", "no address", ""]
)
def test_uids_are_made_under_the_domain_notifications_uses(mail_from: str) -> None:
    booking = BookingSettings(mail_from=mail_from).calendar_domain
    notifications = mail_settings(NotificationSettings(mail_from=mail_from)).domain
    assert booking == notifications
