"""The booking service's copy of the catalog: kept current by the catalog's events, read for a
location's rules, a treatment and the names people see."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.calendar import BookingRules
from services.booking.domain.catalog import TreatmentSpec
from services.booking.domain.exceptions import InvalidRequest
from shared.events import (
    Envelope,
    LocationPublished,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)


def on_treatment_published(repository: AbstractRepository, event: Envelope) -> None:
    repository.keep_copy(event.open(TreatmentPublished))


def on_resource_published(repository: AbstractRepository, event: Envelope) -> None:
    repository.keep_copy(event.open(ResourcePublished))


def on_location_published(repository: AbstractRepository, event: Envelope) -> None:
    repository.keep_copy(event.open(LocationPublished))


def on_therapist_published(repository: AbstractRepository, event: Envelope) -> None:
    repository.keep_copy(event.open(TherapistPublished))


def on_questionnaire_published(repository: AbstractRepository, event: Envelope) -> None:
    repository.keep_copy(event.open(QuestionnairePublished))


def display_names(repository: AbstractRepository) -> dict[str, str]:
    """Code -> name of every therapist, room and kit, for answers a person reads."""
    return {
        **{r.code: r.name for r in repository.resources()},
        **{t.code: t.name for t in repository.therapists()},
    }


def location_rules(repository: AbstractRepository, code: str | None, defaults: BookingRules) -> BookingRules:
    """A location's rules from the catalog; `defaults` (settings) where the catalog says nothing."""
    known = repository.locations()
    if code is None and len(known) > 1:
        raise InvalidRequest(f"choose a location: {', '.join(sorted(loc.code for loc in known))}")
    row = next((loc for loc in known if loc.code == code), None) if code else (known[0] if known else None)
    if row is None:
        if code is not None and known:
            raise InvalidRequest(f"unknown location {code!r}; known: {', '.join(sorted(loc.code for loc in known))}")
        return replace(defaults, location=code or defaults.location)
    return BookingRules(
        tz=ZoneInfo(row.timezone) if row.timezone else defaults.tz,
        grid_minutes=row.grid_minutes,
        min_notice=timedelta(minutes=row.min_notice_minutes),
        max_advance=timedelta(days=row.max_advance_days),
        location=row.code,
        opening_hours=row.opening_hours,
    )


def booked_rules(repository: AbstractRepository, code: str, defaults: BookingRules) -> BookingRules:
    """The rules of a location a booking was made at: its catalog entry's, or `defaults` (settings) once the
    location is withdrawn, so its bookings can still be read, reviewed, declined and cancelled."""
    try:
        return location_rules(repository, code, defaults)
    except InvalidRequest:
        return replace(defaults, location=code)


def check_open(rules: BookingRules, treatment: TreatmentSpec, start: datetime) -> None:
    """Refuse a visit outside the location's opening hours."""
    if not rules.open_during(start, start + timedelta(minutes=treatment.duration_minutes)):
        local = start.astimezone(rules.tz).strftime("%H:%M on %A")
        raise InvalidRequest(
            f"location {rules.location!r} is closed at {local} for a {treatment.duration_minutes}-minute visit"
        )


def offered_treatment(repository: AbstractRepository, slug: str) -> TreatmentSpec:
    """The treatment, if the clinic offers it; InvalidRequest naming those it does otherwise."""
    treatment = repository.treatment(slug)
    if treatment is None or not treatment.active:
        known = ", ".join(repository.treatment_slugs()) or "none yet"
        raise InvalidRequest(f"unknown treatment {slug!r}; known treatments: {known}")
    return treatment
