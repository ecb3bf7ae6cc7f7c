"""Availability over many days as bit arithmetic: one Python int per resource, bit i standing for claim
cell `origin + i`, so a day's starts come from a few shifts, ANDs and ORs instead of a look-up per start,
resource and cell.

Exactly the rules of `allocation.bookable` and `BookingRules.problem_with` (the reference the tests
compare it with): on a day with one UTC offset and starts on cell boundaries, working hours, breaks,
opening hours and time off become ranges of bits; a day the clocks change, or a start whose visit would
run past midnight, is checked start by start with the reference's own calendar functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.booking.domain.calendar import (
    CELL_MINUTES,
    BookingRules,
    cell_of,
    claim_cells,
    local_span,
    plain_midnight,
    works_during,
)
from services.booking.domain.catalog import THERAPIST, Resource, Therapist, TreatmentSpec, WeeklyHours

Span = tuple[str, str, int, int]  # (kind, code, first cell, last cell) one booking holds
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CELL = timedelta(minutes=CELL_MINUTES)
_CELL_US = CELL_MINUTES * 60 * 1_000_000
_DAY_MINUTES = 24 * 60


def _us(moment: datetime) -> int:
    """Microseconds since the epoch: integer arithmetic, no float rounding."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _bits(first: int, last: int) -> int:
    """Bits first..last (inclusive) set; none when the range is empty or below zero."""
    first = max(first, 0)
    return ((1 << (last - first + 1)) - 1) << first if last >= first else 0


def _blocked(busy: int, cells: int) -> int:
    """Bit i set when any of bits i .. i+cells-1 of `busy` is: doubling shifted ORs, log2(cells) steps."""
    if cells <= 0:
        return 0
    covered, out = 1, busy
    while covered < cells:
        step = min(covered, cells - covered)
        out |= out >> step
        covered += step
    return out


def _at_least(masks: list[int], count: int, full: int) -> int:
    """Bits where at least `count` of the masks are set."""
    if count <= 0:
        return full
    level = [full] + [0] * count  # level[j]: at least j masks set so far
    for mask in masks:
        for j in range(count, 0, -1):
            level[j] |= level[j - 1] & mask
    return level[count]


def _cells_for(minutes: int) -> int:
    """How many cells a hold of `minutes` takes from a start on a cell boundary."""
    return -(-minutes // CELL_MINUTES)


@dataclass(frozen=True)
class Window:
    """The claim cells `first` .. `last` a query over local days needs to see."""

    first: int
    last: int


def window(treatment: TreatmentSpec, rules: BookingRules, first_day: date, days: int) -> Window:
    """Cells from the first day's local midnight to the last hold that can start before the last day ends."""
    start = datetime.combine(first_day, time(0), rules.tz).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=days), time(0), rules.tz).astimezone(UTC)
    longest = treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])
    return Window(cell_of(start), cell_of(end) + _cells_for(longest) + 1)


def busy_masks(spans: Iterable[Span], origin: int) -> dict[tuple[str, str], int]:
    """(kind, code) -> bits of the cells held, bit 0 being cell `origin`."""
    masks: dict[tuple[str, str], int] = {}
    for kind, code, first, last in spans:  # a few thousand for 14 days: kept to plain int operations
        if last >= origin:
            first = max(first, origin)
            key = (kind, code)
            masks[key] = masks.get(key, 0) | ((1 << (last - first + 1)) - 1) << (first - origin)
    return masks


@dataclass(frozen=True)
class _Query:
    """One query's fixed inputs: the treatment, the rules, the free and busy bits from `origin` on."""

    treatment: TreatmentSpec
    rules: BookingRules
    now: datetime
    units: dict[str, list[Resource]]  # kind -> this location's resources of it
    therapists: list[Therapist]  # the qualified ones
    busy: dict[tuple[str, str], int]
    origin: int
    full: int

    def free(self, kind: str, code: str, start: datetime) -> bool:
        span = claim_cells(self.treatment, kind, start)
        held = self.busy.get((kind, code), 0) >> (span.start - self.origin)
        return not held & ((1 << len(span)) - 1)

    def bookable(self, start: datetime) -> bool:
        """`problem_with` and `allocation.bookable` for one start, on the bitmasks."""
        rules, treatment = self.rules, self.treatment
        end = start + timedelta(minutes=treatment.duration_minutes)
        if rules.problem_with(start, self.now) is not None or not rules.open_during(start, end):
            return False
        for kind, count in treatment.required_resources.items():
            if sum(self.free(kind, r.code, start) for r in self.units[kind]) < count:
                return False
        return any(
            self.free(THERAPIST, t.code, start) and works_during(t, start, end, rules.tz, rules.location)
            for t in self.therapists
        )

    def bits(self, first: int, last: int) -> int:
        """Bits first..last inside the window: a time off until 9999 must not become a billion bits."""
        return _bits(first, min(last, self.full.bit_length() - 1))

    def start_at(self, bit: int) -> datetime:
        return _EPOCH + (self.origin + bit) * _CELL

    def free_of(self, kind: str, code: str, cells: int) -> int:
        """Starts from which `code` is free for `cells` cells."""
        return ~_blocked(self.busy.get((kind, code), 0), cells) & self.full

    def plain_days(self, plain: list[tuple[date, int]]) -> list[datetime]:
        """Bookable starts on days at one UTC offset whose starts fall on cell boundaries; `plain` gives each
        day with the bit of its local midnight, so local minute m of the day is bit midnight + m / 5."""
        rules, treatment = self.rules, self.treatment
        duration = treatment.duration_minutes
        latest = _DAY_MINUTES - duration  # a later start ends after midnight: `local_span` gives no span
        grid = sum(1 << (minute // CELL_MINUTES) for minute in range(0, _DAY_MINUTES, rules.grid_minutes))
        late_minutes = [m for m in range(0, _DAY_MINUTES, rules.grid_minutes) if m > latest]
        starts = fitting = opened = 0
        late: list[int] = []  # starts whose visit would run past local midnight
        for day, midnight in plain:
            starts |= grid << midnight
            fitting |= _bits(midnight, midnight + latest // CELL_MINUTES)
            late += [midnight + m // CELL_MINUTES for m in late_minutes]
            hours = [(low, min(high - duration, latest)) for low, high in _on(rules.opening_hours, day)]
            opened |= _minute_ranges(hours, midnight)
        origin_us = self.origin * _CELL_US
        earliest = max(_us(self.now) + 1, _us(self.now + rules.min_notice))  # after now, after the notice
        first = -(-(earliest - origin_us) // _CELL_US)
        last = (_us(self.now + rules.max_advance) - origin_us) // _CELL_US
        candidates = starts & self.bits(first, last)
        for kind, count in treatment.required_resources.items():
            cells = _cells_for(duration + treatment.buffer(kind))
            candidates &= _at_least([self.free_of(kind, r.code, cells) for r in self.units[kind]], count, self.full)
            if not candidates:
                return []
        cells = _cells_for(duration + treatment.buffer(THERAPIST))
        someone = 0
        for therapist in self.therapists:
            works = 0
            for day, midnight in plain:
                works |= _working(therapist, day, midnight, duration, rules.location, latest)
            for away_start, away_end in therapist.time_off:  # no start whose visit overlaps it
                gone = (_us(away_start) - duration * 60_000_000 - origin_us) // _CELL_US + 1
                back = -(-(_us(away_end) - origin_us) // _CELL_US) - 1
                works &= ~self.bits(gone, back)
            someone |= works & self.free_of(THERAPIST, therapist.code, cells)
        listed = candidates & fitting & someone & (opened if rules.opening_hours else self.full)
        found = [self.start_at(bit) for bit in _set_bits(listed)]
        for bit in late:  # nobody works a visit past midnight (`local_span` None) unless the clocks change then
            start = self.start_at(bit)
            end = start + timedelta(minutes=duration)
            if candidates >> bit & 1 and local_span(start, end, rules.tz) is not None and self.bookable(start):
                found.append(start)
        return found


def _on(stretches: Iterable[WeeklyHours], day: date) -> list[tuple[int, int]]:
    """Start and end minutes of the stretches on `day`'s weekday."""
    return [s.minutes() for s in stretches if s.weekday == day.weekday()]


def _minute_ranges(ranges: Iterable[tuple[int, int]], midnight: int) -> int:
    """Bits of the starts at a local minute inside one of the (inclusive) ranges; cells are 5 minutes, so
    minutes low .. high are bits midnight + ceil(low / 5) .. midnight + floor(high / 5)."""
    mask = 0
    for low, high in ranges:
        mask |= _bits(midnight - (-low // CELL_MINUTES), midnight + high // CELL_MINUTES)
    return mask


def _working(  # one therapist's plain day: the inputs of `works_during` but time off
    therapist: Therapist, day: date, midnight: int, duration: int, location: str | None, latest: int
) -> int:
    """Starts at which the visit lies inside a shift there, touches no break and ends by midnight."""
    shifts = [s for s in therapist.weekly_hours if location is None or (s.location or therapist.location) == location]
    mask = _minute_ranges([(low, min(high - duration, latest)) for low, high in _on(shifts, day)], midnight)
    if mask and therapist.breaks:  # a break [b0, b1) touches [m, m + duration) when b0 - duration < m < b1
        pauses = [(max(b0 - duration + 1, 0), b1 - 1) for b0, b1 in _on(therapist.breaks, day)]
        mask &= ~_minute_ranges(pauses, midnight)
    return mask


def free_starts(  # the reference's inputs, kept flat like allocation.available_starts
    treatment: TreatmentSpec,
    rules: BookingRules,
    first_day: date,
    days: int,
    now: datetime,
    resources: list[Resource],
    therapists: list[Therapist],
    spans: Iterable[Span],
) -> list[datetime]:
    """Grid starts over `days` local days from `first_day` at which a booking would be confirmed now, in
    time order: what `allocation.available_starts` answers day after day, computed from held spans."""
    frame = window(treatment, rules, first_day, days)
    units = {
        kind: [r for r in resources if r.kind == kind and r.active and r.location == rules.location]
        for kind in treatment.required_resources
    }
    qualified = [t for t in therapists if t.qualified_for(treatment)]
    full = (1 << (frame.last - frame.first + 1)) - 1
    query = _Query(treatment, rules, now, units, qualified, busy_masks(spans, frame.first), frame.first, full)
    plain: list[tuple[date, int]] = []  # days for the bit arithmetic, with their midnight's bit
    found: list[datetime] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        midnight = plain_midnight(day, rules.tz)
        if midnight is not None and rules.grid_minutes % CELL_MINUTES == 0 and _us(midnight) % _CELL_US == 0:
            plain.append((day, cell_of(midnight) - frame.first))
        else:  # a clock change, or starts off the cell boundaries: the reference's walk, start by start
            found += [start for start in rules.day_starts(day) if query.bookable(start)]
    if plain and qualified:
        found += query.plain_days(plain)
    return sorted(found)


def _set_bits(mask: int) -> list[int]:
    """Positions of the set bits, lowest first."""
    return [i for i, bit in enumerate(bin(mask)[:1:-1]) if bit == "1"]
