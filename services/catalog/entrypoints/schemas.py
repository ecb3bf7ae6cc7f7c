"""Catalog's wire shapes for HTTP (kept apart from the tables)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from shared.ranges import (
    BUFFER_MINUTES,
    DURATION_MINUTES,
    MAX_ADVANCE_DAYS,
    MIN_NOTICE_MINUTES,
    SLOT_GRID_MINUTES,
    UNITS_PER_KIND,
)
from shared.text import MULTI_LINE, ONE_LINE, Line, Text, Tree

_HHMM = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
Locale = Literal["en", "de"]
Outcome = Literal["ok", "review", "refer"]
# Every string is bounded and refuses control characters (shared/text.py); every number has a range.
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), ONE_LINE]
LocaleKey = Annotated[str, StringConstraints(min_length=1, max_length=8), ONE_LINE]
Label = Annotated[str, StringConstraints(max_length=200), ONE_LINE]
Paragraph = Annotated[str, StringConstraints(max_length=2000), MULTI_LINE]
Email = Annotated[EmailStr, ONE_LINE]
Zone = Annotated[str, StringConstraints(max_length=64), ONE_LINE]
BufferMinutes = Annotated[int, Field(ge=BUFFER_MINUTES[0], le=BUFFER_MINUTES[1])]
Units = Annotated[int, Field(ge=UNITS_PER_KIND[0], le=UNITS_PER_KIND[1])]


class WeeklyHoursCreate(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: Line = Field(max_length=5, pattern=_HHMM, examples=["09:00"])
    end: Line = Field(max_length=5, pattern=_HHMM, examples=["17:00"], description="24:00 for midnight")
    location: Code | None = Field(None, description="a shift's location; omit for the therapist's home location")


class TimeOffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: AwareDatetime = Field(examples=["2026-12-24T00:00:00+01:00"])
    end: AwareDatetime = Field(examples=["2026-12-27T00:00:00+01:00"])
    note: Text = Field("", max_length=200)


class LocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line = Field(min_length=1, max_length=200)
    timezone: Zone | None = Field(None, description="IANA zone; omit for CLINIC_TIMEZONE", examples=["Europe/Berlin"])
    address: Text = Field("", max_length=500)
    opening_hours: list[WeeklyHoursCreate] = Field(
        default_factory=list, max_length=50, description="empty: no limit beyond shifts"
    )
    slot_grid_minutes: int = Field(15, ge=SLOT_GRID_MINUTES[0], le=SLOT_GRID_MINUTES[1])
    min_notice_minutes: int = Field(120, ge=MIN_NOTICE_MINUTES[0], le=MIN_NOTICE_MINUTES[1])
    max_advance_days: int = Field(60, ge=MAX_ADVANCE_DAYS[0], le=MAX_ADVANCE_DAYS[1])
    active: bool = True


class LocationPublic(LocationCreate):
    code: str
    revision: int


class PriceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Line = Field(
        max_length=9, examples=["89.00"], description="a decimal string with two places, never a number"
    )
    currency: Line = Field(max_length=3, examples=["EUR"], description="ISO 4217")


class FaqCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: Text = Field(min_length=1, max_length=500)
    answer: Text = Field(min_length=1, max_length=5000)


class TreatmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(ge=DURATION_MINUTES[0], le=DURATION_MINUTES[1])
    required_resources: dict[Code, Units] = Field(max_length=4, examples=[{"room": 1, "cupping_kit": 1}])
    required_skills: list[Code] = Field(min_length=1, max_length=20)
    buffer_minutes: dict[Code, BufferMinutes] = Field(
        default_factory=dict, max_length=4, examples=[{"room": 10, "cupping_kit": 30}]
    )
    summary: Paragraph = ""
    what_to_expect: list[Paragraph] = Field(default_factory=list, max_length=30)
    preparation: list[Paragraph] = Field(default_factory=list, max_length=30)
    aftercare: list[Paragraph] = Field(default_factory=list, max_length=30)
    details: dict[Code, Tree] = Field(default_factory=dict, max_length=30)
    translations: dict[LocaleKey, dict[Code, Tree]] = Field(
        default_factory=dict,
        max_length=5,
        description='client-facing texts per language, e.g. {"de": {"summary": "...", "faq": []}}',
    )
    areas: list[Code] = Field(
        default_factory=list, max_length=40, description="body-area codes (GET /guidance/vocabulary)"
    )
    complaints: list[Code] = Field(
        default_factory=list, max_length=40, description="complaint codes (GET /guidance/vocabulary)"
    )
    price: PriceCreate | None = None
    faq: list[FaqCreate] = Field(
        default_factory=list, max_length=40, description="in English; German in translations.de.faq"
    )
    active: bool = True


class TreatmentPublic(TreatmentCreate):
    slug: str
    revision: int


class AnswerOptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Code = Field(examples=["yes"])
    label: dict[LocaleKey, Label] = Field(max_length=5, examples=[{"en": "Yes", "de": "Ja"}])
    outcome: Outcome = "ok"
    advice: dict[LocaleKey, Paragraph] = Field(
        default_factory=dict, max_length=5, description="per language; needed for review and refer"
    )


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code = Field(examples=["blood_thinners"])
    kind: Literal["yes_no", "choice", "text"]
    text: dict[LocaleKey, Paragraph] = Field(max_length=5, description="per language: en and de")
    options: list[AnswerOptionCreate] = Field(default_factory=list, max_length=20)
    required: bool = True
    answered_outcome: Outcome = Field("ok", description="what a text question's non-empty answer means")


class QuestionnaireCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[QuestionCreate] = Field(min_length=1, max_length=40)
    alternative: Code | None = Field(None, description="the treatment offered when a therapist declines after review")
    active: bool = True


class QuestionnairePublic(QuestionnaireCreate):
    treatment: str
    revision: int = Field(description="the questionnaire's version: raised on every change")


Term = Annotated[str, StringConstraints(min_length=1, max_length=60), ONE_LINE]


class GuidanceCreate(BaseModel):
    """What a client names; each term a code, a label or a synonym in either language."""

    model_config = ConfigDict(extra="forbid")
    areas: list[Term] = Field(default_factory=list, max_length=20, examples=[["lower_back", "Waden"]])
    complaints: list[Term] = Field(default_factory=list, max_length=20, examples=[["Ischias"]])
    locale: Locale = "en"


class FitPublic(BaseModel):
    slug: str
    name: str
    score: int = Field(description="0: nothing the client named")
    reason: str
    duration_minutes: int
    price: PriceCreate | None


class RedFlagPublic(BaseModel):
    complaint: str
    advice: str


class GuidancePublic(BaseModel):
    treatments: list[FitPublic] = Field(description="best fit first")
    red_flags: list[RedFlagPublic] = Field(description="signs that need a doctor rather than a massage")


class TermPublic(BaseModel):
    code: str
    label: str


class VocabularyPublic(BaseModel):
    areas: list[TermPublic]
    complaints: list[TermPublic]


class ResourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Code = Field(examples=["room", "cupping_kit"])
    name: Line = Field(min_length=1, max_length=200)
    location: Code = "main"
    active: bool = True


class ResourcePublic(ResourceCreate):
    code: str
    revision: int


class TherapistCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line = Field(min_length=1, max_length=200)
    email: Email
    skills: list[Code] = Field(max_length=20)
    weekly_hours: list[WeeklyHoursCreate] = Field(max_length=50)
    location: Code = "main"
    breaks: list[WeeklyHoursCreate] = Field(default_factory=list, max_length=50)
    time_off: list[TimeOffCreate] = Field(default_factory=list, max_length=200)
    active: bool = True


class TherapistPublic(TherapistCreate):
    code: str
    revision: int


class TherapistChoicePublic(BaseModel):
    """A therapist as a client choosing one sees them: nothing else (no address, no hours)."""

    code: str = Field(examples=["anna-keller"])
    name: str = Field(examples=["Anna Keller"])
    locations: list[str] = Field(examples=[["main"]], description="codes of the locations they work at")
