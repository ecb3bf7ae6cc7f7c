"""The bit arithmetic of availability answers exactly what the straightforward walk does: every grid start
of every day, checked with `allocation.bookable` on the set of claimed cells. Hypothesis builds the
calendars: clock-change days in several zones, breaks, time off, opening hours, two locations,
treatments that need two rooms, notice and advance limits, any grid."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.booking.domain.allocation import available_starts
from services.booking.domain.calendar import SPAN_CELLS, BookingRules, Claims, cell_runs, claim_cells, plain_midnight
from services.booking.domain.catalog import THERAPIST, Resource, Therapist, TreatmentSpec, WeeklyHours
from services.booking.domain.free_busy import Span, _blocked, free_starts, window

# Zones with the days just before their clocks change (Lord Howe by half an hour, Santiago at midnight).
ZONES = {
    "Europe/Berlin": [date(2026, 3, 28), date(2026, 10, 24)],
    "America/New_York": [date(2026, 3, 7), date(2026, 10, 31)],
    "Australia/Lord_Howe": [date(2026, 4, 4), date(2026, 10, 3)],
    "America/Santiago": [date(2026, 4, 4), date(2026, 9, 5)],
    "Asia/Kathmandu": [date(2026, 6, 8)],
    "UTC": [date(2026, 6, 8)],
}
LOCATIONS = ["main", "north"]
KINDS = ["room", "cupping_kit"]


def spans_of(taken: Claims) -> list[Span]:
    """The runs of consecutive cells in a set of claims, as the claim_span table holds them."""
    runs: list[Span] = []
    for kind, code, cell in sorted(taken):
        if runs and runs[-1][:2] == (kind, code) and runs[-1][3] == cell - 1:
            runs[-1] = (kind, code, runs[-1][2], cell)
        else:
            runs.append((kind, code, cell, cell))
    return runs


def reference(
    treatment: TreatmentSpec, rules: BookingRules, first_day: date, days: int, now: datetime,
    resources: list[Resource], therapists: list[Therapist], taken: Claims,
) -> list[datetime]:  # fmt: skip
    return [
        start
        for offset in range(days)
        for start in available_starts(
            treatment, rules, first_day + timedelta(days=offset), now, resources, therapists, taken
        )
    ]


minutes = st.integers(0, 24 * 12).map(lambda n: n * 5)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def stretches(draw: st.DrawFn, location: bool = False) -> tuple[WeeklyHours, ...]:
    found = []
    for _ in range(draw(st.integers(0, 4))):
        a, b = sorted((draw(minutes), draw(minutes)))
        where = draw(st.sampled_from([None, *LOCATIONS])) if location else None
        found.append(WeeklyHours(draw(st.integers(0, 6)), _hhmm(a), _hhmm(b), where))
    return tuple(found)


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, object]:
    zone = draw(st.sampled_from(sorted(ZONES)))
    tz = ZoneInfo(zone)
    first_day = draw(st.sampled_from(ZONES[zone])) + timedelta(days=draw(st.sampled_from([0, 1, -1, 5])))
    days = draw(st.integers(1, 4))
    grid = draw(st.sampled_from([5, 10, 15, 15, 20, 30, 45, 60, 7, 25]))
    rules = BookingRules(
        tz=tz,
        grid_minutes=grid,
        min_notice=timedelta(minutes=draw(st.sampled_from([120, 0, 30 * 60, 7]))),
        max_advance=timedelta(minutes=draw(st.sampled_from([4 * 1440 + 7, 10 * 1440, 1440 + 3, 600]))),
        location=draw(st.sampled_from(LOCATIONS)),
        opening_hours=draw(st.none() | st.none() | stretches()) or (),
    )
    here = st.sampled_from([rules.location, rules.location, *LOCATIONS])  # mostly where the query is
    now = datetime.combine(first_day, time(0), UTC) + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 24 * 60)))
    treatment = TreatmentSpec(
        slug="t",
        name="T",
        duration_minutes=draw(st.sampled_from([5, 30, 45, 60, 90, 32, 240])),
        required_resources={k: draw(st.sampled_from([1, 1, 2, 0])) for k in KINDS if draw(st.booleans())},
        required_skills=draw(st.sampled_from([["massage"], ["massage"], ["massage", "cupping"]])),
        buffer_minutes={
            k: draw(st.sampled_from([0, 5, 10, 30, 7])) for k in [*KINDS, THERAPIST] if draw(st.booleans())
        },
    )
    resources = [
        Resource(f"{kind}-{i}", kind, f"{kind} {i}", location=draw(here))
        for kind in KINDS
        for i in range(draw(st.sampled_from([2, 1, 3])))
    ]
    therapists = []
    for i in range(draw(st.sampled_from([1, 2, 3, 0]))):
        off = []  # time off, some of it around the days asked for
        for _ in range(draw(st.integers(0, 2))):
            away = datetime.combine(first_day, time(0), UTC) + timedelta(minutes=draw(st.integers(-600, 5 * 1440)))
            off.append((away, away + timedelta(minutes=draw(st.integers(1, 2000)))))
        therapists.append(
            Therapist(
                code=f"t{i}", name=f"T{i}", email=f"t{i}@example.com",
                skills=frozenset({"massage"} | ({"cupping"} if i == 0 or draw(st.booleans()) else set())),
                weekly_hours=draw(stretches(location=True)) + tuple(
                    WeeklyHours(d, "00:00", "24:00") if d % 3 == 0 else WeeklyHours(d, "08:00", "20:00")
                    for d in range(7)
                    if draw(st.booleans())
                ),
                location=draw(here),
                breaks=draw(stretches()),
                time_off=tuple(off),
            )
        )  # fmt: skip
    frame = window(treatment, rules, first_day, days)
    taken: Claims = set()
    codes = [(r.kind, r.code) for r in resources] + [(THERAPIST, t.code) for t in therapists]
    for _ in range(draw(st.integers(0, 12))) if codes else ():
        kind, code = draw(st.sampled_from(codes))
        first = draw(st.integers(frame.first - 60, frame.last + 10))
        taken |= {(kind, code, cell) for cell in range(first, first + draw(st.integers(1, 40)))}
    return {
        "treatment": treatment, "rules": rules, "first_day": first_day, "days": days, "now": now,
        "resources": resources, "therapists": therapists, "taken": taken,
    }  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(calendar=calendars())
def test_bit_arithmetic_lists_exactly_the_starts_the_walk_over_every_start_lists(calendar: dict) -> None:
    expected = reference(**calendar)
    spans = spans_of(calendar.pop("taken"))
    assert free_starts(**calendar, spans=spans) == expected


@pytest.mark.parametrize("day", [date(2026, 6, 9), date(2026, 3, 29), date(2026, 10, 25)])
def test_a_busy_clinic_day_agrees_with_the_walk(day: date) -> None:
    """A hand-made day with something at every turn (a plain day and both of Berlin's clock changes), so
    the comparison is not only between empty lists."""
    rules = BookingRules(tz=ZoneInfo("Europe/Berlin"))
    now = datetime.combine(day, time(0), UTC) - timedelta(days=3)
    treatment = TreatmentSpec("c", "C", 45, {"room": 2, "cupping_kit": 1}, ["massage"], {"cupping_kit": 30})
    rooms = [Resource(f"room-{i}", "room", "R") for i in range(3)] + [Resource("kit", "cupping_kit", "K")]
    anna = Therapist(
        "anna", "Anna", "a@example.com", frozenset({"massage"}), (WeeklyHours(day.weekday(), "00:00", "16:00"),),
        breaks=(WeeklyHours(day.weekday(), "12:00", "12:30"),),
        time_off=((datetime.combine(day, time(13), UTC), datetime.combine(day, time(13, 20), UTC)),),
    )  # fmt: skip
    leaving = datetime.combine(day, time(9), UTC)  # for good: the window's bits, not a billion of them
    ben = Therapist(
        "ben", "Ben", "b@example.com", frozenset({"massage"}), (WeeklyHours(day.weekday(), "06:00", "22:00"),),
        time_off=((leaving, datetime(9999, 12, 31, tzinfo=UTC)),),
    )  # fmt: skip
    morning, ten = datetime.combine(day, time(8), UTC), datetime.combine(day, time(10), UTC)
    taken = {("room", "room-0", c) for c in claim_cells(treatment, "room", morning)}
    taken |= {("cupping_kit", "kit", c) for c in claim_cells(treatment, "cupping_kit", ten)}
    expected = reference(treatment, rules, day, 1, now, rooms, [anna, ben], taken)
    assert len(expected) > 30
    assert free_starts(treatment, rules, day, 1, now, rooms, [anna, ben], spans_of(taken)) == expected


def test_only_clock_change_days_leave_the_plain_path() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert plain_midnight(date(2026, 3, 29), berlin) is None and plain_midnight(date(2026, 10, 25), berlin) is None
    assert plain_midnight(date(2026, 3, 30), berlin) == datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert plain_midnight(date(2026, 9, 6), ZoneInfo("America/Santiago")) is None  # its clocks skip midnight


@given(busy=st.integers(0, 2**80), cells=st.integers(0, 40))
def test_a_start_is_blocked_when_any_cell_it_needs_is_busy(busy: int, cells: int) -> None:
    blocked = _blocked(busy, cells)
    for i in range(80):
        assert bool(blocked >> i & 1) == any(busy >> j & 1 for j in range(i, i + cells))


def test_claimed_cells_are_stored_as_runs_cut_every_span_cells() -> None:
    cells = [*range(10, 13), *range(20, 20 + SPAN_CELLS + 2)]
    assert cell_runs(reversed(cells)) == [(10, 12), (20, 20 + SPAN_CELLS - 1), (20 + SPAN_CELLS, 21 + SPAN_CELLS)]
