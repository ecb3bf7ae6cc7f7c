"""What the clinic offers and who and what it needs: plain Python, no framework."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROOM = "room"
CUPPING_KIT = "cupping_kit"
RESOURCE_KINDS = (ROOM, CUPPING_KIT)
THERAPIST = "therapist"
# Claims are kept in 5-minute cells, so durations and buffers must fall on that grid.
MINUTE_GRID = 5
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class CatalogError(ValueError):
    """Catalog data that the clinic could not run on; the message says what is wrong."""


@dataclass(frozen=True)
class WorkingHours:
    weekday: int  # 0 = Monday
    start: str  # local "HH:MM"
    end: str

    def validate(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise CatalogError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        for value in (self.start, self.end):
            if not _HHMM.match(value):
                raise CatalogError(f"working hours must be HH:MM, not {value!r}")
        if self.start >= self.end:
            raise CatalogError(f"working hours on weekday {self.weekday} end ({self.end}) before they start")


@dataclass(frozen=True)
class Treatment:
    slug: str
    name: str
    duration_minutes: int
    required_resources: dict[str, int]
    required_skills: list[str]
    buffer_minutes: dict[str, int]
    summary: str = ""
    what_to_expect: list[str] = field(default_factory=list)
    preparation: list[str] = field(default_factory=list)
    aftercare: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)
    active: bool = True

    def validate(self) -> None:
        check_code(self.slug, "treatment slug")
        if self.duration_minutes <= 0 or self.duration_minutes % MINUTE_GRID:
            raise CatalogError(f"duration must be a positive multiple of {MINUTE_GRID} minutes")
        for kind, count in self.required_resources.items():
            if kind not in RESOURCE_KINDS:
                raise CatalogError(f"unknown resource kind {kind!r}; known: {', '.join(RESOURCE_KINDS)}")
            if count != 1:
                raise CatalogError("a treatment needs at most one resource of each kind")
        for kind, minutes in self.buffer_minutes.items():
            if kind not in (*RESOURCE_KINDS, THERAPIST):
                raise CatalogError(f"buffer for unknown kind {kind!r}")
            if minutes < 0 or minutes % MINUTE_GRID:
                raise CatalogError(f"buffer for {kind} must be a non-negative multiple of {MINUTE_GRID} minutes")
        if not self.required_skills:
            raise CatalogError("a treatment needs at least one therapist skill")


@dataclass(frozen=True)
class Resource:
    code: str
    kind: str
    name: str
    location: str = "main"
    active: bool = True

    def validate(self) -> None:
        check_code(self.code, "resource code")
        if self.kind not in RESOURCE_KINDS:
            raise CatalogError(f"unknown resource kind {self.kind!r}; known: {', '.join(RESOURCE_KINDS)}")


@dataclass(frozen=True)
class Therapist:
    code: str
    name: str
    email: str
    skills: list[str]
    weekly_hours: list[WorkingHours]
    location: str = "main"
    active: bool = True

    def validate(self) -> None:
        check_code(self.code, "therapist code")
        for hours in self.weekly_hours:
            hours.validate()


def check_code(code: str, what: str) -> None:
    if not _CODE.match(code):
        raise CatalogError(f"{what} must be lower-case letters, digits and dashes, not {code!r}")
