"""Which start times a booking would be confirmed at now: answered from the booking service's own
data, with one read of the held runs of cells however many days are asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.calendar import BookingRules
from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.free_busy import free_starts, window
from services.booking.service_layer.catalog_copy import location_rules, offered_treatment

MAX_AVAILABILITY_DAYS = 14


@dataclass(frozen=True)
class AvailabilityQuery:
    treatment: str
    first_day: date  # local to the location
    days: int = 1
    therapist: str | None = None  # None: any therapist
    location: str | None = None  # None: the clinic's only location


def availability(
    repository: AbstractRepository, query: AvailabilityQuery, defaults: BookingRules, now: datetime
) -> list[datetime]:
    """Starts over `query.days` local days at which a booking would be confirmed now."""
    if not 1 <= query.days <= MAX_AVAILABILITY_DAYS:
        raise InvalidRequest(f"days must be between 1 and {MAX_AVAILABILITY_DAYS}")
    treatment = offered_treatment(repository, query.treatment)
    rules = location_rules(repository, query.location, defaults)
    cells = window(treatment, rules, query.first_day, query.days)
    spans = repository.busy_spans(cells.first, cells.last)
    therapists = [t for t in repository.therapists() if query.therapist in (None, t.code)]
    resources = repository.resources()
    return free_starts(treatment, rules, query.first_day, query.days, now, resources, therapists, spans)
