"""The booking service's copy of the catalog: kept current by the catalog's events, read for a
location's rules, a treatment and the names people see."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.adapters.repository import AbstractRepository, location_from, treatment_from
from services.booking.domain.calendar import BookingRules
from services.booking.domain.catalog import LocationRow, TreatmentSpec
from services.booking.domain.exceptions import InvalidRequest
from shared.events import (
    Envelope,
    LocationPublished,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)

log = logging.getLogger(__name__)


def on_treatment_published(repository: AbstractRepository, event: Envelope) -> None:
    published = event.open(TreatmentPublished)
    if _in_range(treatment_from(published.model_dump()), published.slug):
        repository.keep_copy(published)


def on_resource_published(repository: AbstractRepository, event: Envelope) -> None:
    repository.keep_copy(event.open(ResourcePublished))


def on_location_published(repository: AbstractRepository, event: Envelope) -> None:
    published = event.open(LocationPublished)
    if _in_range(location_from(published.model_dump()), published.code):
        repository.keep_copy(published)


def _in_range(entry: TreatmentSpec | LocationRow, key: str) -> bool:
    """Whether a published entry lies inside the catalog's ranges; one outside is logged and not kept
    (the copy keeps the last good revision), so no booking or availability question runs on it and the
    event is not redelivered for ever (PostgreSQL refuses an integer that large)."""
    problem = entry.out_of_range()
    if problem:
        log.warning("catalog entry %s published with %s out of range; not kept", key, problem)
    return problem is None


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
    """An open location's rules, for a new booking, a move or availability; `defaults` (settings) where the
    catalog says nothing. A retired location is refused: it takes no new visits."""
    known = repository.locations()
    if code is None and len(known) > 1:
        raise InvalidRequest(f"choose a location: {', '.join(sorted(loc.code for loc in known))}")
    row = next((loc for loc in known if loc.code == code), None) if code else (known[0] if known else None)
    if row is None:
        if code is not None and is_retired(repository, code):
            open_ = ", ".join(sorted(loc.code for loc in known)) or "none"
            raise InvalidRequest(
                f"location {code!r} is closed and takes no new visits; open: {open_}", field="location"
            )
        if code is not None and known:
            raise InvalidRequest(f"unknown location {code!r}; known: {', '.join(sorted(loc.code for loc in known))}")
        return replace(defaults, location=code or defaults.location)
    return _rules_of(row, defaults)


def booked_rules(repository: AbstractRepository, code: str, defaults: BookingRules) -> BookingRules:
    """The rules of the location a booking was made at, open or retired (its bookings can still be read,
    reviewed, cancelled, closed and moved away), or `defaults` (settings) for one the catalog never named."""
    row = next((loc for loc in repository.known_locations() if loc.code == code), None)
    if row is None:
        return replace(defaults, location=code)
    try:
        return _rules_of(row, defaults)
    except InvalidRequest:  # out of range: its bookings still show, in its own time zone where it has one
        return replace(defaults, location=code, tz=_zone(row, defaults))


def site_rules(repository: AbstractRepository, code: str | None, defaults: BookingRules) -> BookingRules:
    """Staff views of existing bookings (a day, a resource's day): a named location, open or retired;
    without a name, the clinic's only open one."""
    if code is not None and is_retired(repository, code):
        return booked_rules(repository, code, defaults)
    return location_rules(repository, code, defaults)


def is_retired(repository: AbstractRepository, code: str) -> bool:
    """Whether the catalog retired this location (it took bookings once, and takes none now)."""
    return any(loc.code == code and not loc.active for loc in repository.known_locations())


def _zone(row: LocationRow, defaults: BookingRules) -> ZoneInfo:
    return ZoneInfo(row.timezone) if row.timezone else defaults.tz


def _rules_of(row: LocationRow, defaults: BookingRules) -> BookingRules:
    problem = row.out_of_range()
    if problem:
        log.warning("location %s has %s out of range in the catalog copy; not booked against", row.code, problem)
        raise InvalidRequest(f"location {row.code!r} cannot take bookings at the moment", field="location")
    return BookingRules(
        tz=_zone(row, defaults),
        grid_minutes=row.grid_minutes,
        min_notice=timedelta(minutes=row.min_notice_minutes),
        max_advance=timedelta(days=row.max_advance_days),
        location=row.code,
        opening_hours=row.opening_hours,
    )


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
    check_in_range(treatment)
    return treatment


def check_in_range(treatment: TreatmentSpec) -> None:
    """Refuse (and log) a treatment whose copy holds a value outside the catalog's ranges."""
    problem = treatment.out_of_range()
    if problem:
        log.warning("treatment %s has %s out of range in the catalog copy; not booked", treatment.slug, problem)
        raise InvalidRequest(f"treatment {treatment.slug!r} cannot be booked at the moment", field="treatment")
