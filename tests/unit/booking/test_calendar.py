"""The clinic's calendar: the 15-minute grid in Berlin time, claim cells with turnover buffers, shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain.calendar import (
    CELL_MINUTES,
    BookingRules,
    cell_of,
    cells,
    claim_cells,
    works_during,
)
from services.booking.domain.catalog import Therapist, TreatmentSpec, WeeklyHours

BERLIN = ZoneInfo("Europe/Berlin")
RULES = BookingRules(tz=BERLIN)

SPRING_FORWARD = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST: a 23-hour day
FALL_BACK = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET: a 25-hour day
ORDINARY_DAY = date(2026, 6, 10)
MONDAY = date(2026, 6, 8)

BACK_LEG_CUPPING = TreatmentSpec(
    slug="back-leg-cupping",
    name="Medical Massage: Back & Leg + Cupping",
    duration_minutes=45,
    required_resources={"room": 1, "cupping_kit": 1},
    required_skills=["medical_massage", "cupping"],
    buffer_minutes={"room": 10, "cupping_kit": 30, "therapist": 5},
)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN)


def local_times(starts: list[datetime]) -> list[str]:
    return [s.astimezone(BERLIN).strftime("%H:%M") for s in starts]


# ---- the grid and what can be booked ------------------------------------------------------------


def test_quarter_hours_in_berlin_are_on_the_grid() -> None:
    assert RULES.on_grid(berlin(ORDINARY_DAY, 10, 0))
    assert RULES.on_grid(berlin(ORDINARY_DAY, 10, 45))
    assert RULES.on_grid(datetime(2026, 6, 10, 8, 15, tzinfo=UTC))  # 10:15 in Berlin


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 6, 10, 10, 7, tzinfo=BERLIN),
        datetime(2026, 6, 10, 10, 0, 30, tzinfo=BERLIN),
        datetime(2026, 6, 10, 10, 0, 0, 1, tzinfo=BERLIN),
    ],
    ids=["10:07", "ten-thirty-seconds", "one-microsecond-late"],
)
def test_a_start_between_quarter_hours_is_off_the_grid(start: datetime) -> None:
    assert not RULES.on_grid(start)


def test_the_grid_is_counted_in_the_clinics_zone_not_in_utc() -> None:
    hourly_in_kolkata = BookingRules(tz=ZoneInfo("Asia/Kolkata"), grid_minutes=60)  # UTC+05:30
    assert hourly_in_kolkata.on_grid(datetime(2026, 6, 10, 4, 30, tzinfo=UTC))  # 10:00 local
    assert not hourly_in_kolkata.on_grid(datetime(2026, 6, 10, 4, 0, tzinfo=UTC))  # 09:30 local


NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (NOW - timedelta(hours=1), "start is in the past"),
        (NOW, "start is in the past"),
        (
            NOW + timedelta(hours=3, minutes=7),
            "start must be on the 15-minute grid in Europe/Berlin (e.g. 10:00, 10:15)",
        ),
        (datetime(2026, 6, 2, 10, 0), "start must carry a UTC offset, e.g. 2026-12-01T10:00:00+01:00"),
        (NOW + timedelta(minutes=105), "start must be at least 120 minutes from now"),
        (NOW + timedelta(days=60, minutes=15), "start must be within 60 days from now"),
    ],
    ids=["past", "right-now", "off-grid", "naive", "too-little-notice", "too-far-ahead"],
)
def test_each_unbookable_start_is_told_what_is_wrong(start: datetime, expected: str) -> None:
    assert RULES.problem_with(start, NOW) == expected


@pytest.mark.parametrize(
    "start",
    [NOW + timedelta(hours=2), NOW + timedelta(days=3), NOW + timedelta(days=60)],
    ids=["exactly-two-hours-notice", "in-three-days", "exactly-sixty-days-ahead"],
)
def test_a_start_on_the_grid_with_enough_notice_can_be_booked(start: datetime) -> None:
    assert RULES.problem_with(start, NOW) is None


def test_stricter_clinic_rules_are_named_in_the_message() -> None:
    rules = BookingRules(tz=BERLIN, grid_minutes=30, min_notice=timedelta(hours=24), max_advance=timedelta(days=14))
    assert rules.problem_with(NOW + timedelta(days=1, minutes=15), NOW) == (
        "start must be on the 30-minute grid in Europe/Berlin (e.g. 10:00, 10:15)"
    )
    assert rules.problem_with(NOW + timedelta(hours=23), NOW) == "start must be at least 1440 minutes from now"
    assert rules.problem_with(NOW + timedelta(days=15), NOW) == "start must be within 14 days from now"


# ---- daylight saving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count"),
    [(SPRING_FORWARD, 92), (FALL_BACK, 100), (ORDINARY_DAY, 96), (date(2026, 12, 1), 96)],
    ids=["spring-forward-23h", "fall-back-25h", "summer-day", "winter-day"],
)
def test_a_day_has_one_start_per_quarter_hour_it_really_lasts(day: date, count: int) -> None:
    starts = list(RULES.day_starts(day))
    assert len(starts) == count
    assert len(set(starts)) == count
    assert all(s.tzinfo is UTC for s in starts)
    assert all(later - earlier == timedelta(minutes=15) for earlier, later in pairwise(starts))
    assert {s.astimezone(BERLIN).date() for s in starts} == {day}


def test_the_missing_spring_hour_offers_no_starts() -> None:
    times = local_times(list(RULES.day_starts(SPRING_FORWARD)))
    assert "01:45" in times and "03:00" in times
    assert not [t for t in times if t.startswith("02:")]


def test_the_repeated_autumn_hour_offers_its_starts_twice() -> None:
    times = local_times(list(RULES.day_starts(FALL_BACK)))
    assert times.count("02:15") == 2
    assert times.count("01:15") == 1 and times.count("03:15") == 1


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 1, 14), 8), (date(2026, 7, 14), 7), (SPRING_FORWARD, 7), (FALL_BACK, 8)],
    ids=["winter", "summer", "spring-forward-day", "fall-back-day"],
)
def test_nine_oclock_in_berlin_is_the_right_hour_in_utc(day: date, utc_hour: int) -> None:
    [nine] = [s for s in RULES.day_starts(day) if s.astimezone(BERLIN).time() == time(9)]
    assert nine == datetime.combine(day, time(utc_hour), UTC)


# ---- claim cells --------------------------------------------------------------------------------


def test_a_cupping_session_holds_its_kit_for_the_session_and_the_sterilisation() -> None:
    start = berlin(ORDINARY_DAY, 10)
    span = claim_cells(BACK_LEG_CUPPING, "cupping_kit", start)
    assert len(span) == (45 + 30) // CELL_MINUTES == 15
    assert span[0] == cell_of(start)
    assert span[-1] == cell_of(berlin(ORDINARY_DAY, 11, 10))


@pytest.mark.parametrize(
    ("kind", "length"),
    [("room", 11), ("therapist", 10), ("cupping_kit", 15), ("massage_chair", 9)],
    ids=["room-10-min-turnover", "therapist-5-min-break", "kit-30-min-sterilisation", "kind-without-buffer"],
)
def test_each_resource_is_held_for_the_session_plus_its_own_buffer(kind: str, length: int) -> None:
    assert len(claim_cells(BACK_LEG_CUPPING, kind, berlin(ORDINARY_DAY, 14))) == length


def test_cells_cover_a_half_open_interval() -> None:
    start = berlin(ORDINARY_DAY, 10)
    assert len(cells(start, start + timedelta(minutes=45))) == 9
    assert cells(start, start + timedelta(minutes=5)) == range(cell_of(start), cell_of(start) + 1)
    # The next session starting right at the end does not share a cell with this one.
    assert cell_of(start + timedelta(minutes=45)) not in cells(start, start + timedelta(minutes=45))


def test_a_session_over_the_spring_forward_hour_holds_real_minutes_not_wall_clock_ones() -> None:
    start = berlin(SPRING_FORWARD, 1, 30)  # ends 03:15 CEST, 45 real minutes later
    assert len(claim_cells(BACK_LEG_CUPPING, "therapist", start)) == 10


# ---- working hours ------------------------------------------------------------------------------

SPLIT_SHIFT = Therapist(
    code="clara-weiss",
    name="Clara Weiss",
    email="clara.weiss@clinic.example",
    skills=frozenset({"medical_massage"}),
    weekly_hours=(WeeklyHours(0, "08:00", "12:00"), WeeklyHours(0, "14:00", "18:00"), WeeklyHours(2, "09:00", "13:00")),
)


def works(start: datetime, minutes: int = 45) -> bool:
    return works_during(SPLIT_SHIFT, start, start + timedelta(minutes=minutes), BERLIN)


def test_the_test_dates_fall_on_the_intended_weekdays() -> None:
    assert MONDAY.weekday() == 0 and ORDINARY_DAY.weekday() == 2


def test_a_therapist_with_a_split_shift_works_inside_either_part() -> None:
    assert works(berlin(MONDAY, 8))
    assert works(berlin(MONDAY, 11, 15))  # ends exactly at 12:00
    assert works(berlin(MONDAY, 14))
    assert works(berlin(MONDAY, 17, 15))  # ends exactly at 18:00


def test_a_therapist_with_a_split_shift_is_not_booked_into_the_lunch_break() -> None:
    assert not works(berlin(MONDAY, 11, 30))  # would run to 12:15
    assert not works(berlin(MONDAY, 12, 30))
    assert not works(berlin(MONDAY, 13, 30))  # starts before the afternoon part
    assert not works(berlin(MONDAY, 11), minutes=4 * 60)  # spans the whole break


def test_a_therapist_is_not_booked_before_or_after_the_shift() -> None:
    assert not works(berlin(MONDAY, 7, 45))
    assert not works(berlin(MONDAY, 17, 30))


def test_a_shift_only_counts_on_its_own_weekday() -> None:
    assert works(berlin(ORDINARY_DAY, 9))  # Wednesday 09:00-13:00
    assert not works(berlin(ORDINARY_DAY, 14))  # the Monday afternoon shift
    assert not works(berlin(MONDAY + timedelta(days=1), 9))  # Tuesday: no shift at all


def test_working_hours_are_read_in_the_clinics_zone() -> None:
    summer_monday_eight = datetime(2026, 6, 8, 6, 0, tzinfo=UTC)
    winter_monday_eight = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert works(summer_monday_eight) and works(winter_monday_eight)
    assert not works(datetime(2026, 12, 7, 6, 0, tzinfo=UTC))  # 07:00 in Berlin in December


def test_a_session_running_past_midnight_is_never_inside_a_shift() -> None:
    night_owl = Therapist(
        code="night-owl",
        name="Night Owl",
        email="owl@clinic.example",
        skills=frozenset({"medical_massage"}),
        weekly_hours=(WeeklyHours(0, "18:00", "23:59"), WeeklyHours(1, "00:00", "06:00")),
    )
    start = berlin(MONDAY, 23, 30)
    assert not works_during(night_owl, start, start + timedelta(minutes=45), BERLIN)


@pytest.mark.parametrize(("grid", "counts"), [(45, (31, 32, 33)), (25, (55, 58, 61))])
def test_any_grid_length_keeps_its_local_times_on_the_days_the_clocks_change(
    grid: int, counts: tuple[int, ...]
) -> None:
    rules = BookingRules(tz=BERLIN, grid_minutes=grid)
    days = (date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 25))
    assert tuple(len(list(rules.day_starts(day))) for day in days) == counts
    spring = [s.astimezone(BERLIN).time() for s in rules.day_starts(days[0])]
    assert time(12, 0) in spring if grid == 45 else time(12, 30) in spring  # noon-ish still on the grid


def test_a_start_in_year_9999_is_refused_not_overflowed() -> None:
    rules = BookingRules(tz=BERLIN)
    start = datetime(9999, 12, 31, 23, 45, tzinfo=timezone(-timedelta(hours=12)))
    assert rules.problem_with(start, datetime(2026, 6, 1, 8, 0, tzinfo=UTC)) == "start must be within 60 days from now"
