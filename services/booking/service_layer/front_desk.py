"""The front desk's view of one location's day: every therapist, room and kit there, their bookings and
how full they are (staff only: it names clients by first name)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.calendar import BookingRules, cell_of, local_today
from services.booking.domain.catalog import THERAPIST
from services.booking.domain.day_view import DayView, LocationCatalog, day_view
from services.booking.domain.model import Booking
from services.booking.service_layer.catalog_copy import site_rules
from services.booking.service_layer.holding import day_bounds


def location_day(
    repository: AbstractRepository, location: str | None, day: date | None, defaults: BookingRules, now: datetime
) -> DayView:
    """`location` (None: the clinic's only one) on local `day` (None: today there, by `now`)."""
    rules = site_rules(repository, location, defaults)  # a retired location's day still shows
    day = day or local_today(now, rules.tz)
    start, end = day_bounds(datetime.combine(day, time(12), rules.tz), rules.tz)
    first, last = cell_of(start), cell_of(end) - 1
    therapists, resources = repository.therapists(), repository.resources()
    # Every booking holding someone or something here that day; the domain keeps this location's shown ones.
    held = [(THERAPIST, t.code) for t in therapists]
    held += [(r.kind, r.code) for r in resources if r.location == rules.location]
    found: dict[str, Booking] = {}
    for kind, code in held:
        found.update((b.id, b) for b in repository.bookings_holding(kind, code, first, last))
    catalog = LocationCatalog(therapists, resources, _treatment_names(repository, found.values()))
    return day_view(day, rules, catalog, found.values())


def _treatment_names(repository: AbstractRepository, bookings: Iterable[Booking]) -> dict[str, str]:
    names = {}
    for slug in {b.treatment for b in bookings}:
        treatment = repository.treatment(slug)
        names[slug] = treatment.name if treatment else slug
    return names
