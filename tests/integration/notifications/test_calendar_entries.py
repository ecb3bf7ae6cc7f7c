"""Maria's calendar follows her visit: the confirmation adds it, the reschedule moves the same entry, the
cancellation removes it. Each email carries one text/calendar part; read back with icalendar, the three share
one UID, count SEQUENCE 0, 1, 2, say METHOD REQUEST, REQUEST, CANCEL, and give the start in Berlin time with
the zone's definition included, at the clinic."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from services.notifications.domain.messages import Kind
from tests.integration.notifications.story import (
    ANNA,
    MAIN,
    MARIA,
    TUESDAY_2PM,
    Clinic,
    Letter,
    berlin,
    cancelled,
    confirmed,
    rescheduled,
)


def the_visit(calendar: Calendar) -> Event:
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    return event


def local_start(event: Event) -> tuple[str, datetime]:
    """The DTSTART's TZID and its wall-clock time there."""
    start = event.decoded("DTSTART")
    assert isinstance(start, datetime)
    return str(event["DTSTART"].params["TZID"]), start.replace(tzinfo=None)


def calendar_method_of(letter: Letter) -> str:
    [part] = letter.calendar_parts()
    return str(part.get_param("method"))


def test_confirmation_reschedule_and_cancellation_update_one_calendar_entry(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM, client=MARIA)
    moved = rescheduled(booking, berlin(3, 9, 30))

    clinic.hear(booking)
    clinic.sweep()
    clinic.hear(moved)
    clinic.sweep()
    clinic.hear(cancelled(moved))
    clinic.sweep()

    letters = [
        clinic.letter(Kind.BOOKING_CONFIRMED, MARIA.email),
        clinic.letter(Kind.BOOKING_RESCHEDULED, MARIA.email),
        clinic.letter(Kind.BOOKING_CANCELLED, MARIA.email),
    ]
    calendars = [letter.calendar() for letter in letters]
    visits = [the_visit(calendar) for calendar in calendars]

    assert {str(visit["UID"]) for visit in visits} == {f"{booking.booking_id}@clinic.example"}
    assert [int(visit["SEQUENCE"]) for visit in visits] == [0, 1, 2]
    assert [str(calendar["METHOD"]) for calendar in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    # The MIME part says the same method as the calendar inside it (what Outlook and Gmail act on).
    assert [calendar_method_of(letter) for letter in letters] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [str(visit["STATUS"]) for visit in visits] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert [local_start(visit) for visit in visits] == [
        ("Europe/Berlin", datetime(2026, 12, 1, 14, 0)),
        ("Europe/Berlin", datetime(2026, 12, 3, 9, 30)),
        ("Europe/Berlin", datetime(2026, 12, 3, 9, 30)),
    ]
    assert visits[0].decoded("DTSTART").astimezone(UTC) == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert visits[0].decoded("DTEND").astimezone(UTC) == datetime(2026, 12, 1, 13, 45, tzinfo=UTC)
    for calendar, visit in zip(calendars, visits, strict=True):
        [zone] = calendar.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Europe/Berlin"
        assert MAIN.name in str(visit["LOCATION"])
        assert MAIN.address in str(visit["LOCATION"])
        assert str(visit["ATTENDEE"]) == f"mailto:{MARIA.email}"
        assert str(visit["ORGANIZER"]) == "mailto:bookings@clinic.example"


def test_annas_calendar_entry_is_the_same_visit_as_marias(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(booking)
    clinic.sweep()

    marias = the_visit(clinic.letter(Kind.BOOKING_CONFIRMED, MARIA.email).calendar())
    annas_calendar = clinic.letter(Kind.THERAPIST_ASSIGNED, ANNA.email).calendar()
    annas = the_visit(annas_calendar)

    assert str(annas_calendar["METHOD"]) == "REQUEST"
    assert (str(annas["UID"]), int(annas["SEQUENCE"])) == (str(marias["UID"]), 0)
    assert local_start(annas) == ("Europe/Berlin", datetime(2026, 12, 1, 14, 0))
    assert str(annas["ATTENDEE"]) == f"mailto:{ANNA.email}"


def test_a_visit_after_the_clocks_go_forward_is_entered_at_its_summer_time(clinic: Clinic) -> None:
    spring = berlin(30, 10, 0, month=3, year=2027)  # Monday after the change to CEST (UTC+2)
    clinic.hear(confirmed(spring))
    clinic.sweep()

    visit = the_visit(clinic.letter(Kind.BOOKING_CONFIRMED, MARIA.email).calendar())

    assert local_start(visit) == ("Europe/Berlin", datetime(2027, 3, 30, 10, 0))
    assert visit.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
