"""The booking service's own view of the catalog (kept current by catalog events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.ranges import (
    BUFFER_MINUTES,
    DURATION_MINUTES,
    MAX_ADVANCE_DAYS,
    MIN_NOTICE_MINUTES,
    SLOT_GRID_MINUTES,
    UNITS_PER_KIND,
)

THERAPIST = "therapist"
KIND_NAMES = {"room": "treatment room", "cupping_kit": "cupping kit", THERAPIST: "therapist"}


# A copy holding a value outside the catalog's ranges (stored before the catalog checked, or written by
# hand) is not booked against.
def _outside(value: object, bounds: tuple[int, int]) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or not bounds[0] <= value <= bounds[1]


def resource_kind(key: str) -> str:
    """The kind behind a held-resource key: `room` and `room#2` are both rooms."""
    return key.split("#", 1)[0]


@dataclass(frozen=True)
class TreatmentSpec:
    slug: str
    name: str
    duration_minutes: int
    required_resources: dict[str, int]
    required_skills: list[str]
    buffer_minutes: dict[str, int] = field(default_factory=dict)
    active: bool = True

    def buffer(self, kind: str) -> int:
        return self.buffer_minutes.get(kind, 0)

    def out_of_range(self) -> str | None:
        """What in this copy lies outside the catalog's ranges, or None."""
        if _outside(self.duration_minutes, DURATION_MINUTES):
            return "duration_minutes"
        if any(_outside(v, BUFFER_MINUTES) for v in self.buffer_minutes.values()):
            return "buffer_minutes"
        if any(_outside(v, UNITS_PER_KIND) for v in self.required_resources.values()):
            return "required_resources"
        return None


@dataclass(frozen=True)
class Resource:
    code: str
    kind: str
    name: str
    location: str = "main"
    active: bool = True


@dataclass(frozen=True)
class WeeklyHours:
    weekday: int  # 0 = Monday
    start: str  # local HH:MM
    end: str  # local HH:MM, 24:00 for midnight
    location: str | None = None  # None: the therapist's home location

    def minutes(self) -> tuple[int, int]:
        """Start and end as minutes after local midnight."""
        return _minutes(self.start), _minutes(self.end)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Therapist:
    code: str
    name: str
    email: str
    skills: frozenset[str]
    weekly_hours: tuple[WeeklyHours, ...]
    location: str = "main"  # home location
    breaks: tuple[WeeklyHours, ...] = ()
    time_off: tuple[tuple[datetime, datetime], ...] = ()
    active: bool = True

    def qualified_for(self, treatment: TreatmentSpec) -> bool:
        return self.active and set(treatment.required_skills) <= self.skills


@dataclass(frozen=True)
class LocationRow:
    """A clinic site as the catalog describes it; `timezone` None means the clinic's default zone."""

    code: str
    timezone: str | None
    opening_hours: tuple[WeeklyHours, ...]
    grid_minutes: int
    min_notice_minutes: int
    max_advance_days: int
    name: str = ""  # what people call it; the code where the catalog gave none
    active: bool = True  # False: retired; its bookings keep its rules, new ones are refused

    def out_of_range(self) -> str | None:
        """What in this copy lies outside the catalog's ranges, or None."""
        for name, value, bounds in (
            ("slot_grid_minutes", self.grid_minutes, SLOT_GRID_MINUTES),
            ("min_notice_minutes", self.min_notice_minutes, MIN_NOTICE_MINUTES),
            ("max_advance_days", self.max_advance_days, MAX_ADVANCE_DAYS),
        ):
            if _outside(value, bounds):
                return name
        return None
