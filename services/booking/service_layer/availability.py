"""Which start times a booking would be confirmed at now: answered from the booking service's own
data, with one read of the claims however many days are asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.allocation import available_starts
from services.booking.domain.calendar import CELL_MINUTES, BookingRules, cell_of
from services.booking.domain.exceptions import InvalidRequest
from services.booking.service_layer.catalog_copy import location_rules, offered_treatment
from services.booking.service_layer.holding import day_bounds

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
    last_day = query.first_day + timedelta(days=query.days - 1)
    start, _ = day_bounds(datetime.combine(query.first_day, time(12), rules.tz), rules.tz)
    _, end = day_bounds(datetime.combine(last_day, time(12), rules.tz), rules.tz)
    reach = (treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])) // CELL_MINUTES
    taken = repository.taken_cells(cell_of(start) - reach, cell_of(end) + reach)
    therapists = [t for t in repository.therapists() if query.therapist in (None, t.code)]
    resources = repository.resources()
    return [
        slot
        for offset in range(query.days)
        for slot in available_starts(
            treatment, rules, query.first_day + timedelta(days=offset), now, resources, therapists, taken
        )
    ]
