"""The one clock the tests read, and the days they need, picked by rule.

Every test that needs "now" or "today" takes it from here (which reads `shared.clock.system_clock`, the
clock the services read), so moving the whole suite in time (time-machine, `faketime`) moves every test
with it. Days are chosen by what they must be (a working day, a Saturday, a clock-change Sunday), never
by counting from today and hoping the result is a weekday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.clock import system_clock

BERLIN = ZoneInfo("Europe/Berlin")  # the seed clinic's zone
SATURDAY, SUNDAY = 5, 6


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return system_clock.now()


def today(tz: ZoneInfo = BERLIN) -> date:
    return now().astimezone(tz).date()


def working_day(n: int, tz: ZoneInfo = BERLIN) -> date:
    """The n-th Monday-to-Friday after today (n >= 1): distinct n give distinct days, whatever today is."""
    if n < 1:
        raise ValueError("n counts working days after today, from 1")
    day = today(tz)
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < SATURDAY
    return day


def next_weekday(weekday: int, at_least_days_ahead: int = 1, tz: ZoneInfo = BERLIN) -> date:
    """The first `weekday` (0 = Monday) at least `at_least_days_ahead` days after today."""
    day = today(tz) + timedelta(days=at_least_days_ahead)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month: Europe's clocks change on the last Sunday of March and of October."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_of_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - SUNDAY) % 7)


def next_clock_change(month: int, tz: ZoneInfo = BERLIN) -> date:
    """The next last Sunday of `month` (3 or 10) that is still ahead of today."""
    year = today(tz).year
    day = last_sunday(year, month)
    return day if day > today(tz) else last_sunday(year + 1, month)


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = BERLIN) -> datetime:
    """A local wall-clock time on `day`, aware."""
    return datetime.combine(day, time(hour, minute), tz)


class FixedClock:
    """A `shared.clock.Clock` for unit tests: stands still until the test moves it."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("give the clock an aware instant")
        self.instant = instant

    def now(self) -> datetime:
        return self.instant.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        self.instant += by
