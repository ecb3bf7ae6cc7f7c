"""The booking service's own view of the catalog (kept current by catalog events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

THERAPIST = "therapist"
KIND_NAMES = {"room": "treatment room", "cupping_kit": "cupping kit", THERAPIST: "therapist"}


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
