"""The visit as an iCalendar (RFC 5545) object: one UID per booking, SEQUENCE raised on each change,
METHOD:CANCEL when it is called off, the location's time zone included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from services.notifications.domain.messages import Attachment


def visit_ics(visit: dict[str, Any], organizer: str, clinic_name: str) -> Attachment:
    """`visit` holds uid, sequence, method, stamp, start, end (ISO, UTC), timezone, summary, location,
    description, attendee_email and attendee_name, as notifications stores them in a delivery's context."""
    tz = ZoneInfo(visit["timezone"])
    calendar = Calendar()
    calendar.add("prodid", f"-//{clinic_name}//Clinic booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", visit["method"])
    event = Event()
    event.add("uid", visit["uid"])
    event.add("sequence", visit["sequence"])
    # Deliveries owed before entries carried a stamp have none: their start is as deterministic.
    event.add("dtstamp", datetime.fromisoformat(visit.get("stamp", visit["start"])).astimezone(UTC))
    event.add("dtstart", datetime.fromisoformat(visit["start"]).astimezone(tz))
    event.add("dtend", datetime.fromisoformat(visit["end"]).astimezone(tz))
    event.add("summary", visit["summary"])
    event.add("location", vText(visit["location"]))
    event.add("description", visit["description"])
    event.add("status", "CANCELLED" if visit["method"] == "CANCEL" else "CONFIRMED")
    who = vCalAddress(f"mailto:{organizer}")
    who.params["cn"] = vText(clinic_name)
    event.add("organizer", who)
    attendee = vCalAddress(f"mailto:{visit['attendee_email']}")
    attendee.params["cn"] = vText(visit["attendee_name"])
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    # The zone's rules around the visit only: a VTIMEZONE of every transition since 1970 cost 3 ms and
    # several kilobytes per message.
    start = datetime.fromisoformat(visit["start"]).date()
    calendar.add_missing_timezones(first_date=start - timedelta(days=366), last_date=start + timedelta(days=366))
    method = visit["method"]
    return Attachment(
        filename="cancel.ics" if method == "CANCEL" else "visit.ics",
        content_type=f"text/calendar; method={method}; charset=utf-8",
        data=calendar.to_ical(),
    )
