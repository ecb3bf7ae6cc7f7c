"""Which room, kit and therapist a booking gets: deterministic, so the same calendar gives the same answer.

`taken` is the set of claimed (kind, code, cell) triples around the slot. The database's unique
claim rows, not these checks, are what prevent a double booking; these only pick good candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from services.booking.domain.calendar import BookingRules, Claims, all_free, claim_cells, works_during
from services.booking.domain.catalog import THERAPIST, Resource, Therapist, TreatmentSpec


def _unclaimed_resources(  # six-seven inputs, one slot: kept flat for availability's inner loop and bench/
    treatment: TreatmentSpec, kind: str, resources: Iterable[Resource], taken: Claims, start: datetime,
    location: str | None,
) -> Iterator[Resource]:  # fmt: skip
    span = claim_cells(treatment, kind, start)
    return (
        r
        for r in resources
        if r.kind == kind
        and r.active
        and (location is None or r.location == location)
        and all_free(taken, kind, r.code, span)
    )


def _available_therapists(  # six-seven inputs, one slot: kept flat for availability's inner loop and bench/
    treatment: TreatmentSpec, therapists: Iterable[Therapist], taken: Claims, start: datetime, tz: ZoneInfo,
    location: str | None,
) -> Iterator[Therapist]:  # fmt: skip
    end = start + timedelta(minutes=treatment.duration_minutes)
    span = claim_cells(treatment, THERAPIST, start)
    return (
        t
        for t in therapists
        if t.qualified_for(treatment)
        and all_free(taken, THERAPIST, t.code, span)  # set look-ups: cheaper than the calendar check
        and works_during(t, start, end, tz, location)
    )


def free_resources(  # six-seven inputs, one slot: kept flat for availability's inner loop and bench/
    treatment: TreatmentSpec,
    kind: str,
    resources: Iterable[Resource],
    taken: Claims,
    start: datetime,
    location: str | None = None,
) -> list[Resource]:
    """Free resources of one kind (at `location`, when given) for the slot, by code: the lowest free room first."""
    return sorted(_unclaimed_resources(treatment, kind, resources, taken, start, location), key=lambda r: r.code)


def free_therapists(  # six-seven inputs, one slot: kept flat for availability's inner loop and bench/
    treatment: TreatmentSpec,
    therapists: Iterable[Therapist],
    taken: Claims,
    start: datetime,
    tz: ZoneInfo,
    load: Mapping[str, int] | None = None,
    location: str | None = None,
) -> list[Therapist]:
    """Qualified therapists who work then and are free, least booked that day first, then by code.

    Ordering by the day's load spreads clients over the team; the code breaks ties so the choice
    never depends on the order rows come back from the database.
    """
    load = load or {}
    candidates = _available_therapists(treatment, therapists, taken, start, tz, location)
    return sorted(candidates, key=lambda t: (load.get(t.code, 0), t.code))


def bookable(  # six-seven inputs, one slot: kept flat for availability's inner loop and bench/
    treatment: TreatmentSpec,
    resources: list[Resource],
    therapists: list[Therapist],
    taken: Claims,
    start: datetime,
    rules: BookingRules,
) -> bool:
    """Whether a booking at `start` would be confirmed now: the location open, every resource kind and a
    therapist free there. Stops at the first answer: no lists, no sorting (availability calls it a lot)."""
    if not rules.open_during(start, start + timedelta(minutes=treatment.duration_minutes)):
        return False
    for kind, count in treatment.required_resources.items():
        free = _unclaimed_resources(treatment, kind, resources, taken, start, rules.location)
        if sum(1 for _ in islice(free, count)) < count:
            return False
    return any(_available_therapists(treatment, therapists, taken, start, rules.tz, rules.location))


def available_starts(  # six-seven inputs, one slot: kept flat for availability's inner loop and bench/
    treatment: TreatmentSpec,
    rules: BookingRules,
    day: date,
    now: datetime,
    resources: list[Resource],
    therapists: list[Therapist],
    taken: Claims,
) -> list[datetime]:
    """Grid starts of a local day at which a booking would be confirmed now."""
    return [
        start
        for start in rules.day_starts(day)
        if rules.problem_with(start, now) is None and bookable(treatment, resources, therapists, taken, start, rules)
    ]
