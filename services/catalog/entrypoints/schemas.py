"""Catalog's wire shapes for HTTP (kept apart from the tables)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

_HHMM = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
Locale = Literal["en", "de"]
Outcome = Literal["ok", "review", "refer"]


class WeeklyHoursCreate(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: str = Field(pattern=_HHMM, examples=["09:00"])
    end: str = Field(pattern=_HHMM, examples=["17:00"], description="24:00 for midnight")
    location: str | None = Field(None, description="a shift's location; omit for the therapist's home location")


class TimeOffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: AwareDatetime = Field(examples=["2026-12-24T00:00:00+01:00"])
    end: AwareDatetime = Field(examples=["2026-12-27T00:00:00+01:00"])
    note: str = Field("", max_length=200)


class LocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    timezone: str | None = Field(None, description="IANA zone; omit for CLINIC_TIMEZONE", examples=["Europe/Berlin"])
    address: str = ""
    opening_hours: list[WeeklyHoursCreate] = Field(default_factory=list, description="empty: no limit beyond shifts")
    slot_grid_minutes: int = Field(15, gt=0, le=240)
    min_notice_minutes: int = Field(120, ge=0)
    max_advance_days: int = Field(60, gt=0, le=730)
    active: bool = True


class LocationPublic(LocationCreate):
    code: str
    revision: int


class PriceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: str = Field(examples=["89.00"], description="a decimal string with two places, never a number")
    currency: str = Field(examples=["EUR"], description="ISO 4217")


class FaqCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)


class TreatmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(gt=0, le=480)
    required_resources: dict[str, int] = Field(examples=[{"room": 1, "cupping_kit": 1}])
    required_skills: list[str] = Field(min_length=1)
    buffer_minutes: dict[str, int] = Field(default_factory=dict, examples=[{"room": 10, "cupping_kit": 30}])
    summary: str = ""
    what_to_expect: list[str] = []
    preparation: list[str] = []
    aftercare: list[str] = []
    details: dict[str, Any] = {}
    translations: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='client-facing texts per language, e.g. {"de": {"summary": "...", "faq": []}}'
    )
    areas: list[str] = Field(default_factory=list, description="body-area codes (GET /guidance/vocabulary)")
    complaints: list[str] = Field(default_factory=list, description="complaint codes (GET /guidance/vocabulary)")
    price: PriceCreate | None = None
    faq: list[FaqCreate] = Field(default_factory=list, description="in English; German in translations.de.faq")
    active: bool = True


class TreatmentPublic(TreatmentCreate):
    slug: str
    revision: int


class AnswerOptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(examples=["yes"])
    label: dict[str, str] = Field(examples=[{"en": "Yes", "de": "Ja"}])
    outcome: Outcome = "ok"
    advice: dict[str, str] = Field(default_factory=dict, description="per language; needed for review and refer")


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(examples=["blood_thinners"])
    kind: Literal["yes_no", "choice", "text"]
    text: dict[str, str] = Field(description="per language: en and de")
    options: list[AnswerOptionCreate] = []
    required: bool = True
    answered_outcome: Outcome = Field("ok", description="what a text question's non-empty answer means")


class QuestionnaireCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[QuestionCreate] = Field(min_length=1)
    alternative: str | None = Field(None, description="the treatment offered when a therapist declines after review")
    active: bool = True


class QuestionnairePublic(QuestionnaireCreate):
    treatment: str
    revision: int = Field(description="the questionnaire's version: raised on every change")


Term = Annotated[str, StringConstraints(min_length=1, max_length=60)]


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
    kind: str = Field(examples=["room", "cupping_kit"])
    name: str = Field(min_length=1, max_length=200)
    location: str = "main"
    active: bool = True


class ResourcePublic(ResourceCreate):
    code: str
    revision: int


class TherapistCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    skills: list[str]
    weekly_hours: list[WeeklyHoursCreate]
    location: str = "main"
    breaks: list[WeeklyHoursCreate] = []
    time_off: list[TimeOffCreate] = []
    active: bool = True


class TherapistPublic(TherapistCreate):
    code: str
    revision: int


class TherapistChoicePublic(BaseModel):
    """A therapist as a client choosing one sees them: nothing else (no address, no hours)."""

    code: str = Field(examples=["anna-keller"])
    name: str = Field(examples=["Anna Keller"])
    locations: list[str] = Field(examples=[["main"]], description="codes of the locations they work at")
