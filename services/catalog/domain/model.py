"""What the clinic offers and who and what it needs: plain Python, no framework."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.catalog.domain.errors import CatalogError
from services.catalog.domain.indications import AREAS, COMPLAINTS
from services.catalog.domain.questionnaire import Questionnaire
from shared.ranges import (
    BUFFER_MINUTES,
    DURATION_MINUTES,
    MAX_ADVANCE_DAYS,
    MIN_NOTICE_MINUTES,
    SLOT_GRID_MINUTES,
    TIME_OFF_DAYS,
    TIME_OFF_YEARS,
    UNITS_PER_KIND,
)

ROOM = "room"
CUPPING_KIT = "cupping_kit"
RESOURCE_KINDS = (ROOM, CUPPING_KIT)
THERAPIST = "therapist"
# Claims are kept in 5-minute cells, so durations and buffers must fall on that grid.
CELL_MINUTES = 5
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HHMM = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")  # 24:00 ends a shift at midnight
_AMOUNT = re.compile(r"^\d{1,6}\.\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _within(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


@dataclass(frozen=True)
class WeeklyHours:
    """A weekly stretch of local time: a shift, a break, or a location's opening hours."""

    weekday: int  # 0 = Monday
    start: str  # local "HH:MM"
    end: str  # local "HH:MM", "24:00" for midnight
    location: str | None = None  # a shift's location; None: the therapist's home location

    def validate(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise CatalogError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        for value in (self.start, self.end):
            if not _HHMM.match(value):
                raise CatalogError(f"working hours must be HH:MM (00:00 to 24:00), not {value!r}")
        if self.start >= self.end:
            raise CatalogError(f"working hours on weekday {self.weekday} end ({self.end}) before they start")


@dataclass(frozen=True)
class Price:
    """What a treatment costs: the amount as a decimal string ("89.00"), never a float, and its currency."""

    amount: str
    currency: str  # ISO 4217: "EUR"

    def validate(self) -> None:
        if not _AMOUNT.match(self.amount):
            raise CatalogError(f"a price is a non-negative amount with two decimals like '89.00', not {self.amount!r}")
        if not _CURRENCY.match(self.currency):
            raise CatalogError(f"a currency is an ISO 4217 code of three capitals like 'EUR', not {self.currency!r}")


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
    details: dict[str, object] = field(default_factory=dict)  # free-form, kept in the catalog: e.g. techniques
    # Client-facing texts in other languages: {"de": {"name": ..., "summary": ..., "faq": [...], ...}}
    translations: dict[str, dict[str, object]] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)  # codes of indications.AREAS it works on
    complaints: list[str] = field(default_factory=list)  # codes of indications.COMPLAINTS it helps
    price: Price | None = None
    faq: list[dict[str, str]] = field(default_factory=list)  # [{"question": ..., "answer": ...}] in English
    active: bool = True

    def validate(self) -> None:
        check_code(self.slug, "treatment slug")
        low, high = DURATION_MINUTES
        if not _within(self.duration_minutes, DURATION_MINUTES) or self.duration_minutes % CELL_MINUTES:
            raise CatalogError(f"duration must be a positive multiple of {CELL_MINUTES} minutes, from {low} to {high}")
        for kind, count in self.required_resources.items():
            if kind not in RESOURCE_KINDS:
                raise CatalogError(f"unknown resource kind {kind!r}; known: {', '.join(RESOURCE_KINDS)}")
            if not _within(count, UNITS_PER_KIND):
                low, high = UNITS_PER_KIND
                raise CatalogError(
                    f"a treatment needs {low} to {high} of each resource kind it names, not {count} {kind}"
                )
        for kind, minutes in self.buffer_minutes.items():
            if kind not in (*RESOURCE_KINDS, THERAPIST):
                raise CatalogError(f"buffer for unknown kind {kind!r}")
            if not _within(minutes, BUFFER_MINUTES) or minutes % CELL_MINUTES:
                low, high = BUFFER_MINUTES
                raise CatalogError(
                    f"buffer for {kind} must be a non-negative multiple of {CELL_MINUTES} minutes, from {low} to {high}"
                )
        if not self.required_skills:
            raise CatalogError("a treatment needs at least one therapist skill")
        if not self.required_resources:
            raise CatalogError("a treatment needs a place: at least one room (or other resource)")
        AREAS.check(self.areas)
        COMPLAINTS.check(self.complaints)
        if self.price is not None:
            self.price.validate()
        _check_faq(self.faq, "faq")
        for locale, texts in self.translations.items():
            _check_faq(texts.get("faq", []), f"translations.{locale}.faq")

    def name_in(self, locale: str) -> str:
        """The name a client reading `locale` sees: its translation, else the catalog's name."""
        return str(self.translations.get(locale, {}).get("name") or self.name)


def _check_faq(faq: object, where: str) -> None:
    if not isinstance(faq, list):
        raise CatalogError(f"{where} must be a list of questions and answers")
    for number, entry in enumerate(faq):
        if not (
            isinstance(entry, dict)
            and set(entry) == {"question", "answer"}
            and all(isinstance(text, str) and text.strip() for text in entry.values())
        ):
            raise CatalogError(f"{where}.{number} must have a non-empty question and answer and nothing else")


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
class TimeOff:
    """Dates or part of a day a therapist is away: ISO 8601 with offset, end after start."""

    start: str
    end: str
    note: str = ""

    def validate(self) -> None:
        try:
            start, end = datetime.fromisoformat(self.start), datetime.fromisoformat(self.end)
        except ValueError as error:
            raise CatalogError(f"time off needs ISO 8601 times: {error}") from None
        if start.tzinfo is None or end.tzinfo is None:
            raise CatalogError("time off needs times with a UTC offset, e.g. 2026-12-24T00:00:00+01:00")
        if end <= start:
            raise CatalogError("time off must end after it starts")
        far = not all(_within(moment.year, TIME_OFF_YEARS) for moment in (start, end))
        if far or end - start > timedelta(days=TIME_OFF_DAYS):
            first, last = TIME_OFF_YEARS
            raise CatalogError(f"time off lasts at most {TIME_OFF_DAYS} days, between the years {first} and {last}")


@dataclass(frozen=True)
class Therapist:
    code: str
    name: str
    email: str
    skills: list[str]
    weekly_hours: list[WeeklyHours]
    location: str = "main"  # home location: where shifts without their own location are
    breaks: list[WeeklyHours] = field(default_factory=list)
    time_off: list[TimeOff] = field(default_factory=list)
    active: bool = True

    def validate(self) -> None:
        check_code(self.code, "therapist code")
        for hours in [*self.weekly_hours, *self.breaks]:
            hours.validate()
        for away in self.time_off:
            away.validate()

    @property
    def locations(self) -> list[str]:
        return sorted({hours.location or self.location for hours in self.weekly_hours} or {self.location})

    def can_give(self, treatment: Treatment) -> bool:
        """Still working here and holding every skill the treatment needs (as booking assigns therapists)."""
        return self.active and set(treatment.required_skills) <= set(self.skills)


@dataclass(frozen=True)
class Location:
    """A clinic site: its rooms and kits belong to it; its time zone decides what local times mean."""

    code: str
    name: str
    timezone: str | None = None  # None: CLINIC_TIMEZONE
    address: str = ""
    opening_hours: list[WeeklyHours] = field(default_factory=list)  # empty: open whenever therapists work
    slot_grid_minutes: int = 15
    min_notice_minutes: int = 120
    max_advance_days: int = 60
    active: bool = True

    def validate(self) -> None:
        check_code(self.code, "location code")
        if self.timezone is not None:
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                message = f"unknown time zone {self.timezone!r}; use an IANA name like Europe/Berlin"
                raise CatalogError(message) from None
        for hours in self.opening_hours:
            hours.validate()
        if not _within(self.slot_grid_minutes, SLOT_GRID_MINUTES) or self.slot_grid_minutes % CELL_MINUTES:
            low, high = SLOT_GRID_MINUTES
            raise CatalogError(
                f"the slot grid must be a positive multiple of {CELL_MINUTES} minutes, from {low} to {high}"
            )
        if not _within(self.min_notice_minutes, MIN_NOTICE_MINUTES):
            raise CatalogError("minimum notice must be from {} to {} minutes".format(*MIN_NOTICE_MINUTES))
        if not _within(self.max_advance_days, MAX_ADVANCE_DAYS):
            raise CatalogError("maximum advance must be from {} to {} days".format(*MAX_ADVANCE_DAYS))


def check_code(code: str, what: str) -> None:
    if not _CODE.match(code):
        raise CatalogError(f"{what} must be lower-case letters, digits and dashes, not {code!r}")


Entry = Treatment | Resource | Therapist | Location | Questionnaire


def key_of(entry: Entry) -> str:
    """What names an entry in the catalog: a treatment's slug, a questionnaire's treatment, else the code."""
    if isinstance(entry, Treatment):
        return entry.slug
    if isinstance(entry, Questionnaire):
        return entry.treatment
    return entry.code
