"""A confirmed visit as an iCalendar (RFC 5545) file the client downloads. Its UID and SEQUENCE follow
the rule notifications uses for the invitations it emails (`<booking id>@<mail domain>`, the booking's
version less 2), so a calendar app that has the emailed entry updates it instead of adding a second.
Copied, not imported: services never import each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText


@dataclass(frozen=True)
class CalendarVisit:
    booking_id: str
    version: int  # the booking's; SEQUENCE follows it
    start: datetime  # aware
    end: datetime
    tz: ZoneInfo
    summary: str  # the treatment's name
    location: str
    description: str
    stamp: datetime  # when the file is made


def uid(booking_id: str, domain: str) -> str:
    return f"{booking_id}@{domain}"


def sequence(booking_version: int) -> int:
    """0 when first confirmed (version 2), then +1 per change: as notifications numbers its invitations."""
    return max(booking_version - 2, 0)


def visit_ics(visit: CalendarVisit, domain: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic booking//Clinic booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")  # a copy to keep, not an invitation to answer
    event = Event()
    event.add("uid", uid(visit.booking_id, domain))
    event.add("sequence", sequence(visit.version))
    event.add("dtstamp", visit.stamp.astimezone(UTC))
    event.add("dtstart", visit.start.astimezone(visit.tz))
    event.add("dtend", visit.end.astimezone(visit.tz))
    event.add("summary", visit.summary)
    event.add("location", vText(visit.location))
    event.add("description", visit.description)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    # The zone's rules around the visit only (every transition since 1970 costs 3 ms and kilobytes).
    day = visit.start.date()
    calendar.add_missing_timezones(first_date=day - timedelta(days=366), last_date=day + timedelta(days=366))
    return bytes(calendar.to_ical())
