"""One location's day as the front desk sees it: who and what is there, what is booked, how full it is.

Plain Python over the catalog copy and the day's bookings. Minutes are real minutes between instants, so
a clock-change day counts its 23 or 25 hours as they pass, not as the wall clock shows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.calendar import BookingRules
from services.booking.domain.catalog import THERAPIST, Resource, Therapist, WeeklyHours, resource_kind
from services.booking.domain.model import Booking, Status
from services.booking.domain.screening import Outcome

# What the day view lists: everything that takes (or took) a slot; not the cancelled, declined or rejected.
SHOWN = frozenset({Status.PENDING, Status.CONFIRMED, Status.NEEDS_REVIEW, Status.COMPLETED, Status.NO_SHOW})
_KIND_ORDER = {THERAPIST: 0, "room": 1, "cupping_kit": 2}

Interval = tuple[datetime, datetime]  # [start, end), aware


@dataclass(frozen=True)
class LocationCatalog:
    """The catalog copy a day view reads: every therapist and resource, and treatment names by slug."""

    therapists: Sequence[Therapist]
    resources: Sequence[Resource]
    treatment_names: Mapping[str, str]


@dataclass(frozen=True)
class DayBooking:
    id: str
    status: Status
    start: datetime
    end: datetime
    treatment: str  # the treatment's name (its slug once withdrawn)
    client_first_name: str
    screening: Outcome | None


@dataclass(frozen=True)
class DayRow:
    kind: str  # "therapist", or a resource kind: "room", "cupping_kit"
    code: str
    name: str
    available_minutes: int
    booked_minutes: int
    bookings: tuple[DayBooking, ...]

    @property
    def utilisation(self) -> float:
        return utilisation(self.booked_minutes, self.available_minutes)


@dataclass(frozen=True)
class DayView:
    day: date
    location: str
    tz: ZoneInfo
    opens: datetime | None  # None: closed that day
    closes: datetime | None
    rows: tuple[DayRow, ...]

    @property
    def utilisation(self) -> float:
        return utilisation(sum(r.booked_minutes for r in self.rows), sum(r.available_minutes for r in self.rows))


def utilisation(booked: int, available: int) -> float:
    """Booked over available, 0 when nothing was available (a closed room is not "infinitely full")."""
    return round(booked / available, 4) if available > 0 else 0.0


def day_view(day: date, rules: BookingRules, catalog: LocationCatalog, bookings: Iterable[Booking]) -> DayView:
    """The day at `rules.location`: a row for every active therapist with a shift there that day or holding
    a booking there, and for every room and kit there; each with its minutes and its shown bookings."""
    tz, location = rules.tz, rules.location
    day_span = _local(day, "00:00", tz), _local(day, "24:00", tz)
    shown = sorted(
        (b for b in bookings if b.location == location and b.status in SHOWN and _overlap(b.start, b.end, day_span)),
        key=lambda b: (b.start, b.id),
    )
    opening = _opening(day, rules, day_span)
    rows = [
        *_therapist_rows(day, rules, catalog, shown, day_span),
        *_resource_rows(location, catalog, shown, opening, day_span),
    ]
    rows.sort(key=lambda r: (_KIND_ORDER.get(r.kind, len(_KIND_ORDER)), r.code))
    return DayView(
        day=day,
        location=location,
        tz=tz,
        opens=min(start for start, _ in opening) if opening else None,
        closes=max(end for _, end in opening) if opening else None,
        rows=tuple(rows),
    )


def _therapist_rows(
    day: date, rules: BookingRules, catalog: LocationCatalog, shown: Sequence[Booking], day_span: Interval
) -> list[DayRow]:
    """Available: the shifts at this location that day, less breaks and time off."""
    tz, location = rules.tz, rules.location
    rows = []
    holding = {b.therapist for b in shown if b.therapist}
    known = {t.code for t in catalog.therapists}
    for therapist in catalog.therapists:
        shifts = [
            _stretch(day, s, tz)
            for s in therapist.weekly_hours
            if s.weekday == day.weekday() and (s.location or therapist.location) == location
        ]
        if not ((therapist.active and shifts) or therapist.code in holding):
            continue
        away = [_stretch(day, b, tz) for b in therapist.breaks if b.weekday == day.weekday()]
        away += list(therapist.time_off)
        free = _subtract([_clip(s, day_span) for s in shifts], away)
        mine = [b for b in shown if b.therapist == therapist.code]
        available = _minutes(free) if therapist.active else 0
        rows.append(_row((THERAPIST, therapist.code, therapist.name), available, mine, catalog, day_span))
    for code in sorted(holding - known):  # withdrawn from the catalog since: still on the day, nothing available
        mine = [b for b in shown if b.therapist == code]
        rows.append(_row((THERAPIST, code, code), 0, mine, catalog, day_span))
    return rows


def _resource_rows(
    location: str, catalog: LocationCatalog, shown: Sequence[Booking], opening: list[Interval], day_span: Interval
) -> list[DayRow]:
    held = {(resource_kind(key), code) for b in shown for key, code in b.resources.items()}
    listed = {(r.kind, r.code): r for r in catalog.resources if r.location == location and r.active}
    listed |= {(r.kind, r.code): r for r in catalog.resources if (r.kind, r.code) in held}
    listed |= {(kind, code): Resource(code, kind, code, location, False) for kind, code in held - listed.keys()}
    rows = []
    for (kind, code), resource in listed.items():
        mine = [b for b in shown if (kind, code) in {(resource_kind(k), c) for k, c in b.resources.items()}]
        available = _minutes(opening) if resource.active and resource.location == location else 0
        rows.append(_row((kind, code, resource.name), available, mine, catalog, day_span))
    return rows


def _row(
    who: tuple[str, str, str], available: int, bookings: Sequence[Booking], catalog: LocationCatalog, day_span: Interval
) -> DayRow:
    """A row for (kind, code, name); booked minutes are the bookings' minutes inside the day."""
    kind, code, name = who
    inside = [_clip((b.start, b.end), day_span) for b in bookings]
    return DayRow(
        kind=kind,
        code=code,
        name=name,
        available_minutes=available,
        booked_minutes=sum(_span_minutes(span) for span in inside),
        bookings=tuple(_day_booking(b, catalog) for b in bookings),
    )


def _day_booking(booking: Booking, catalog: LocationCatalog) -> DayBooking:
    return DayBooking(
        id=booking.id,
        status=booking.status,
        start=booking.start,
        end=booking.end,
        treatment=catalog.treatment_names.get(booking.treatment, booking.treatment),
        client_first_name=first_name(booking.client.name),
        screening=booking.screening,
    )


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else ""


def _opening(day: date, rules: BookingRules, day_span: Interval) -> list[Interval]:
    """When the location is open that day; no opening hours at all means open all day (as booking allows)."""
    if not rules.opening_hours:
        return [day_span]
    return _merge(_stretch(day, s, rules.tz) for s in rules.opening_hours if s.weekday == day.weekday())


def _local(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """A local HH:MM on `day` as a UTC instant; 24:00 is the next midnight."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    wall = datetime.combine(day + timedelta(days=hours // 24), time(hours % 24, minutes), tz)
    return wall.astimezone(UTC)


def _stretch(day: date, hours: WeeklyHours, tz: ZoneInfo) -> Interval:
    return _local(day, hours.start, tz), _local(day, hours.end, tz)


def _overlap(start: datetime, end: datetime, span: Interval) -> bool:
    return start < span[1] and span[0] < end


def _clip(interval: Interval, span: Interval) -> Interval:
    start, end = max(interval[0], span[0]), min(interval[1], span[1])
    return (start, max(start, end))


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """What of `intervals` no cut covers."""
    left = _merge(intervals)
    for cut_start, cut_end in _merge(cuts):
        left = [
            piece
            for start, end in left
            for piece in ((start, min(end, cut_start)), (max(start, cut_end), end))
            if piece[0] < piece[1]
        ]
    return left


def _minutes(intervals: Iterable[Interval]) -> int:
    return sum(_span_minutes(i) for i in _merge(intervals))


def _span_minutes(interval: Interval) -> int:
    return int((interval[1] - interval[0]).total_seconds() // 60)
