"""Time on the clinic's calendar: the slot grid, claim cells, working hours. All plain Python.

Times are aware datetimes; UTC is stored, the clinic's zone decides what a local "09:00" means, so
the grid stays right on both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.catalog import Therapist, TreatmentSpec, WeeklyHours

CELL_MINUTES = 5  # a resource is claimed in cells of this length; catalog durations are multiples of it
Claims = set[tuple[str, str, int]]  # held (kind, code, cell) triples
SPAN_CELLS = 48  # a stored run of claimed cells is cut into pieces this long, so runs near a window are found by start
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY, _TICK = timedelta(days=1), timedelta(microseconds=1)


def cell_of(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds() // 60) // CELL_MINUTES


def cells(start: datetime, end: datetime) -> range:
    """The claim cells covering [start, end)."""
    return range(cell_of(start), cell_of(end - timedelta(microseconds=1)) + 1)


def cell_runs(held: Iterable[int]) -> list[tuple[int, int]]:
    """Cells as (first, last) runs of consecutive ones, none longer than SPAN_CELLS, in order."""
    runs: list[tuple[int, int]] = []
    for cell in sorted(held):
        if runs and runs[-1][1] == cell - 1 and cell - runs[-1][0] < SPAN_CELLS:
            runs[-1] = (runs[-1][0], cell)
        else:
            runs.append((cell, cell))
    return runs


def claim_cells(treatment: TreatmentSpec, kind: str, start: datetime) -> range:
    """Cells a resource of `kind` is taken for: the treatment plus that kind's turnover buffer."""
    end = start + timedelta(minutes=treatment.duration_minutes + treatment.buffer(kind))
    return cells(start, end)


@dataclass(frozen=True)
class BookingRules:
    """One location's booking rules: its time zone, slot grid, notice, advance limit and opening hours."""

    tz: ZoneInfo
    grid_minutes: int = 15
    min_notice: timedelta = timedelta(hours=2)
    max_advance: timedelta = timedelta(days=60)
    location: str = "main"
    opening_hours: tuple[WeeklyHours, ...] = ()  # empty: no limit beyond the therapists' shifts

    def open_during(self, start: datetime, end: datetime) -> bool:
        if not self.opening_hours:
            return True
        span = local_span(start, end, self.tz)
        return span is not None and inside(self.opening_hours, span)

    def on_grid(self, start: datetime) -> bool:
        local = start.astimezone(self.tz)
        return (
            local.second == 0 and local.microsecond == 0 and (local.hour * 60 + local.minute) % self.grid_minutes == 0
        )

    def problem_with(self, start: datetime, now: datetime) -> str | None:
        """Why a start time cannot be booked at all, or None."""
        if start.tzinfo is None:
            return "start must carry a UTC offset, e.g. 2026-12-01T10:00:00+01:00"
        if start <= now:
            return "start is in the past"
        if start > now + self.max_advance:  # before any calendar arithmetic: year 9999 must not overflow
            return f"start must be within {self.max_advance.days} days from now"
        if not self.on_grid(start):
            return f"start must be on the {self.grid_minutes}-minute grid in {self.tz.key} (e.g. 10:00, 10:15)"
        if start < now + self.min_notice:
            return f"start must be at least {int(self.min_notice.total_seconds() // 60)} minutes from now"
        return None

    def day_starts(self, day: date) -> Iterator[datetime]:
        """Grid starts of one local day, in UTC, in time order.

        The grid is walked in local wall-clock time, so any grid length works on any day: a time the
        spring change skips is left out, and one the autumn change repeats comes twice (two instants),
        which makes those days 23 and 25 hours long."""
        midnight = plain_midnight(day, self.tz)
        if midnight is not None:  # one offset all day: wall minute m is midnight + m
            yield from (midnight + timedelta(minutes=minute) for minute in range(0, 24 * 60, self.grid_minutes))
            return
        starts = set()
        for minute in range(0, 24 * 60, self.grid_minutes):
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            for fold in (0, 1):
                local = wall.replace(tzinfo=self.tz, fold=fold)
                instant = local.astimezone(UTC)
                if instant.astimezone(self.tz).replace(tzinfo=None) == wall:  # it exists on this day
                    starts.add(instant)
        yield from sorted(starts)


def plain_midnight(day: date, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of `day`'s local midnight when the day is 24 hours at one UTC offset; None on a
    day the clocks change (or whose midnight they skip).

    Comparing the offsets at both ends suffices: no zone in the tz database changes twice within two
    days (checked over every zone's transitions since 1970), so equal ends mean no change between."""
    wall = datetime.combine(day, time(0))
    start = wall.replace(tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    if end - start != _DAY:
        return None
    first, last = start.astimezone(tz), (end - _TICK).astimezone(tz)
    return start if first.utcoffset() == last.utcoffset() and first.replace(tzinfo=None) == wall else None


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The date it is at `now` where the clock on the wall shows `tz`."""
    return now.astimezone(tz).date()


def local_span(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[int, int, int] | None:
    """(weekday, start minute, end minute) of [start, end) on its local day; None if it crosses midnight."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    first = local_start.hour * 60 + local_start.minute
    if local_end.date() == local_start.date():
        return local_start.weekday(), first, local_end.hour * 60 + local_end.minute
    if local_end.date() == local_start.date() + timedelta(days=1) and local_end.time() == time(0):
        return local_start.weekday(), first, 24 * 60
    return None


def inside(stretches: Iterable[WeeklyHours], span: tuple[int, int, int]) -> bool:
    day, first, last = span
    return any(s.weekday == day and s.minutes()[0] <= first and last <= s.minutes()[1] for s in stretches)


def touches(stretches: Iterable[WeeklyHours], span: tuple[int, int, int]) -> bool:
    day, first, last = span
    return any(s.weekday == day and s.minutes()[0] < last and first < s.minutes()[1] for s in stretches)


def works_during(
    therapist: Therapist, start: datetime, end: datetime, tz: ZoneInfo, location: str | None = None
) -> bool:
    """On a shift (at `location`, when given) for all of [start, end), not on a break, not away."""
    span = local_span(start, end, tz)
    if span is None:
        return False
    shifts = [s for s in therapist.weekly_hours if location is None or (s.location or therapist.location) == location]
    if not inside(shifts, span) or touches(therapist.breaks, span):
        return False
    return not any(away_start < end and start < away_end for away_start, away_end in therapist.time_off)


def all_free(taken: Claims, kind: str, code: str, span: Iterable[int]) -> bool:
    return not any((kind, code, cell) in taken for cell in span)
