"""A visit told the way a message shows it: dates in the reader's language, the catalog's texts, the
calendar entry; and a therapist's day as one list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from services.notifications.adapters.repository import AbstractRepository
from services.notifications.domain.messages import CALENDAR_METHOD, Kind, MailSettings, calendar_sequence
from services.notifications.domain.visit import NO_TEXTS, Visit


def when(start: datetime, tz: ZoneInfo, locale: str) -> dict[str, str]:
    local = start.astimezone(tz)
    return {
        "date": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
        "timezone": tz.key,
    }


def treatment_texts(repo: AbstractRepository, slug: str, locale: str) -> dict[str, Any]:
    """The catalog's texts about a treatment, in the recipient's language where the catalog has it."""
    copy = repo.treatment_copy(slug)
    return dict(NO_TEXTS) if copy is None else copy.texts(locale)


def treatment_name(repo: AbstractRepository, slug: str, locale: str) -> str | None:
    """The catalog's name of a treatment in the reader's language where it has one; None if unknown."""
    copy = repo.treatment_copy(slug)
    return None if copy is None else copy.texts(locale).get("treatment_name", copy.name)


def location(repo: AbstractRepository, code: str) -> tuple[str, str]:
    """(name, address); an unknown location is shown by its code."""
    copy = repo.location_copy(code)
    return (copy.name, copy.address) if copy else (code, "")


def reader_of(visit: Visit, kind: Kind) -> tuple[str, str]:
    """(name, address) of whoever reads a message of this kind about the visit."""
    return visit.therapist if kind.to_therapist else visit.client


def locale_of(visit: Visit, kind: Kind) -> str:
    return "en" if kind.to_therapist else visit.client_locale  # therapists' emails are in English


def visit_context(repo: AbstractRepository, visit: Visit, mail: MailSettings, locale: str) -> dict[str, Any]:
    """Everything a message about one visit may show, formatted for the recipient's language."""
    location_name, location_address = location(repo, visit.location)
    return {
        "clinic_name": mail.clinic_name,
        "booking_id": visit.booking_id,
        "treatment_name": visit.treatment_name,
        "duration_minutes": visit.duration_minutes,
        "when": when(visit.start_at, visit.tz, locale),
        "location_name": location_name,
        "location_address": location_address,
        "client_name": visit.client_name,
        "client_first_name": visit.client_first_name,
        "screened": visit.screened,
        "therapist_name": visit.therapist_name,
        "room_name": visit.resource_names.get("room", ""),
        "kit_name": visit.resource_names.get("cupping_kit", ""),
        **treatment_texts(repo, visit.treatment, locale),
    }


def message_context(
    repo: AbstractRepository, visit: Visit, kind: Kind, mail: MailSettings, locale: str | None = None
) -> dict[str, Any]:
    """The visit's context for one kind of message, in `locale` or else its reader's language, with its
    calendar entry where the kind carries one."""
    context = visit_context(repo, visit, mail, locale or locale_of(visit, kind))
    if kind in CALENDAR_METHOD:
        context["calendar"] = calendar_entry(visit, kind, mail, context)
    return context


def calendar_entry(visit: Visit, kind: Kind, mail: MailSettings, context: dict[str, Any]) -> dict[str, Any]:
    """The iCalendar facts, titled and placed as the message's `context` shows them."""
    where = ", ".join(part for part in (context["location_name"], context["location_address"]) if part)
    attendee_name, attendee_email = reader_of(visit, kind)
    return {
        "uid": f"{visit.booking_id}@{mail.domain}",
        "sequence": calendar_sequence(visit.version),
        "method": CALENDAR_METHOD[kind],
        "stamp": visit.changed_at.astimezone(UTC).isoformat(),  # this version's time: a resend is the same entry
        "start": visit.start_at.astimezone(UTC).isoformat(),
        "end": visit.end_at.astimezone(UTC).isoformat(),
        "timezone": visit.timezone,
        "summary": f"{context['treatment_name']} - {mail.clinic_name}",
        "location": where,
        "description": f"{visit.treatment_name} with {visit.therapist_name} ({visit.duration_minutes} min)",
        "attendee_name": attendee_name,
        "attendee_email": attendee_email,
    }


def day_schedule(
    repo: AbstractRepository, visits: list[Visit], key: str, mail: MailSettings, locale: str = "en"
) -> dict[str, Any]:
    """A therapist's visits of one local day, earliest first (therapists' emails are in English)."""
    first = visits[0]
    tz = first.tz
    return {
        "clinic_name": mail.clinic_name,
        "booking_id": key,
        "therapist_name": first.therapist_name,
        "day": format_date(first.start_at.astimezone(tz), "full", locale=locale),
        "location_name": location(repo, first.location)[0],
        "appointments": [
            {
                "time": format_time(v.start_at.astimezone(tz), "short", locale=locale),
                "end_time": format_time(v.end_at.astimezone(tz), "short", locale=locale),
                "treatment_name": v.treatment_name,
                "client_name": v.client_name,
                "room_name": v.resource_names.get("room", ""),
                "kit_name": v.resource_names.get("cupping_kit", ""),
            }
            for v in visits
        ],
    }
