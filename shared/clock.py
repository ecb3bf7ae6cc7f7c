"""The one clock. Every use case asks it for "now", so a test (or faketime, or time-machine) sets the time
for all of them at once instead of each call site reading the system clock its own way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock, always in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


system_clock = SystemClock()
