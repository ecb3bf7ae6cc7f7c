"""Wire events: versioned pydantic payloads carried inside one Envelope.

An added optional field keeps an event's version; a breaking change gets a new version, published
beside the old one until every consumer has moved. Consumers ignore fields they do not know.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.clock import system_clock


class Payload(BaseModel):
    """Base of every event payload; `TYPE` and `VERSION` name it on the wire."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


PayloadT = TypeVar("PayloadT", bound=Payload)


class Envelope(BaseModel):
    """What travels through the outbox and the broker: metadata plus a JSON payload."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    version: int
    occurred_at: AwareDatetime = Field(default_factory=system_clock.now)
    correlation_id: str
    payload: dict[str, Any]

    @classmethod
    def wrap(cls, payload: Payload, correlation_id: str) -> Envelope:
        return cls(
            type=payload.TYPE,
            version=payload.VERSION,
            correlation_id=correlation_id,
            payload=payload.model_dump(mode="json"),
        )

    def open(self, payload_type: type[PayloadT]) -> PayloadT:
        if (self.type, self.version) != (payload_type.TYPE, payload_type.VERSION):
            raise ValueError(f"envelope holds {self.type} v{self.version}, not {payload_type.TYPE}")
        return payload_type.model_validate(self.payload)


# ---- catalog ------------------------------------------------------------------------------------


class WeeklyHours(BaseModel):
    model_config = ConfigDict(frozen=True)
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: str = Field(pattern=r"^\d{2}:\d{2}$", description="local time HH:MM")
    end: str = Field(pattern=r"^\d{2}:\d{2}$", description="local time HH:MM, 24:00 for midnight")
    location: str | None = None


class TimeOff(BaseModel):
    model_config = ConfigDict(frozen=True)
    start: AwareDatetime  # a naive time on the wire is refused, never guessed
    end: AwareDatetime
    note: str = ""


class Price(BaseModel):
    model_config = ConfigDict(frozen=True)
    amount: str = Field(pattern=r"^\d{1,6}(\.\d{2})?$", description="decimal, e.g. 89.00")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR")


Outcome = Literal["ok", "review", "refer"]
"""What an intake answer means: go ahead; a therapist looks first (`needs_review`); do not book, see a doctor."""


class AnswerOption(BaseModel):
    """One answer a yes/no or choice question allows (yes/no questions have the values `yes` and `no`)."""

    model_config = ConfigDict(frozen=True)
    value: str
    label: dict[str, str]  # per language: {"en": ..., "de": ...}
    outcome: Outcome = "ok"
    advice: dict[str, str] = {}  # per language: what the client is told when this answer refers or holds


class Question(BaseModel):
    """One intake question; a text question's non-empty answer has `answered_outcome`."""

    model_config = ConfigDict(frozen=True)
    code: str
    kind: Literal["yes_no", "choice", "text"]
    text: dict[str, str]  # per language
    options: list[AnswerOption] = []
    required: bool = True
    answered_outcome: Outcome = "ok"


class TreatmentPublished(Payload):
    """Emitted by catalog when a treatment is created or changed, and on resync; booking and
    notifications keep their own copy. `revision` grows with every change: older copies are ignored."""

    TYPE: ClassVar[str] = "catalog.treatment_published"
    slug: str
    revision: int
    name: str
    duration_minutes: int
    required_resources: dict[str, int]
    required_skills: list[str]
    buffer_minutes: dict[str, int]
    summary: str = ""
    what_to_expect: list[str] = []
    preparation: list[str] = []
    aftercare: list[str] = []
    translations: dict[str, dict[str, Any]] = {}  # per language: name, summary, ..., faq
    areas: list[str] = []  # body-area codes it helps (catalog's vocabulary)
    complaints: list[str] = []  # complaint codes it helps
    price: Price | None = None
    faq: list[dict[str, str]] = []  # [{"question": ..., "answer": ...}] in English
    active: bool = True


class QuestionnairePublished(Payload):
    """Emitted by catalog when a treatment's intake questionnaire is created or changed, and on resync.
    `revision` is the questionnaire's version: a booking records the version its client answered.
    `alternative` is the treatment offered when a therapist declines after review."""

    TYPE: ClassVar[str] = "catalog.questionnaire_published"
    treatment: str
    revision: int
    questions: list[Question]
    alternative: str | None = None
    active: bool = True


class ResourcePublished(Payload):
    """Emitted by catalog for a treatment room or a cupping kit (kind) when created, changed or resynced."""

    TYPE: ClassVar[str] = "catalog.resource_published"
    code: str
    revision: int
    kind: str
    name: str
    location: str
    active: bool = True


class TherapistPublished(Payload):
    """Emitted by catalog when a therapist's skills or hours change, and on resync."""

    TYPE: ClassVar[str] = "catalog.therapist_published"
    code: str
    revision: int
    name: str
    email: str
    skills: list[str]
    weekly_hours: list[WeeklyHours]
    location: str
    breaks: list[WeeklyHours] = []
    time_off: list[TimeOff] = []
    active: bool = True


class LocationPublished(Payload):
    """Emitted by catalog for a clinic site: time zone (None: CLINIC_TIMEZONE), opening hours, booking rules."""

    TYPE: ClassVar[str] = "catalog.location_published"
    code: str
    revision: int
    name: str
    timezone: str | None = None
    address: str = ""
    opening_hours: list[WeeklyHours] = []
    slot_grid_minutes: int = 15
    min_notice_minutes: int = 120
    max_advance_days: int = 60
    active: bool = True


class CatalogResyncRequested(Payload):
    """Sent by a consumer that starts empty or unsure: catalog republishes everything it holds."""

    TYPE: ClassVar[str] = "catalog.resync_requested"
    requested_by: str


# ---- booking ------------------------------------------------------------------------------------


class ClientContact(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    email: str
    phone: str | None = None
    locale: str = "en"


class BookingRequested(Payload):
    """Emitted when a client asks for a slot; the booking saga reserves resources next."""

    TYPE: ClassVar[str] = "booking.requested"
    booking_id: str
    treatment: str
    start: AwareDatetime
    end: AwareDatetime


class ResourcesReserved(Payload):
    """Emitted when the saga holds a room (and a kit where needed); a therapist is assigned next."""

    TYPE: ClassVar[str] = "booking.resources_reserved"
    booking_id: str
    resources: dict[str, str]


class BookingConfirmed(Payload):
    """Emitted when every resource and a therapist are held; notifications emails client and therapist."""

    TYPE: ClassVar[str] = "booking.confirmed"
    booking_id: str
    booking_version: int
    treatment: str
    treatment_name: str
    duration_minutes: int
    start: AwareDatetime
    end: AwareDatetime
    timezone: str
    location: str
    resources: dict[str, str]
    resource_names: dict[str, str]
    therapist_code: str
    therapist_name: str
    therapist_email: str
    client: ClientContact
    short_reminder: bool = False  # the client also wants a reminder shortly before the visit
    screened: bool = False  # the client answered an intake questionnaire (the reminder asks again)
    after_review: bool = False  # a therapist approved the answers: the confirmation says so
    requested_at: AwareDatetime | None = None  # when the client asked (POST /bookings): times what clients feel


class BookingHeldForReview(BookingConfirmed):
    """Emitted when intake answers need a therapist's look: room, kit and therapist stay held, the
    booking is `needs_review` until staff approve (booking.confirmed) or decline (booking.declined).
    `again`: a confirmed booking's updated answers put it back into review. Never carries the answers."""

    TYPE: ClassVar[str] = "booking.held_for_review"
    again: bool = False


class BookingDeclined(Payload):
    """Emitted when staff decline a booking after review, or the review deadline passed (`automatic`);
    every claim is released. `alternative` is a treatment the client may book instead."""

    TYPE: ClassVar[str] = "booking.declined"
    booking_id: str
    booking_version: int
    treatment: str
    treatment_name: str
    start: AwareDatetime
    timezone: str
    location: str
    reason: str
    automatic: bool = False
    alternative: str | None = None
    therapist_code: str | None = None
    client: ClientContact


class AnswersChanged(Payload):
    """Emitted when a booking's intake answers are given again or erased: the outcome only, never the answers."""

    TYPE: ClassVar[str] = "booking.answers_changed"
    booking_id: str
    questionnaire_version: int | None
    outcome: Outcome | None  # None: erased
    erased: bool = False


class BookingRescheduled(BookingConfirmed):
    """Emitted when a confirmed booking moved to a new slot (already held); the old slot is free again."""

    TYPE: ClassVar[str] = "booking.rescheduled"
    previous_start: AwareDatetime


class BookingCancelled(Payload):
    """Emitted when the client (with the booking's token) or the clinic (staff) cancels; claims are released.
    `late` is true when a client cancelled inside the free-cancellation window; `reason` is the
    clinic's, told to the client."""

    TYPE: ClassVar[str] = "booking.cancelled"
    booking_id: str
    booking_version: int
    treatment: str
    treatment_name: str
    start: AwareDatetime
    timezone: str
    by_clinic: bool
    late: bool
    therapist_code: str | None = None
    client: ClientContact
    free_cancellation_hours: int = 24
    reason: str | None = None


class BookingClosed(Payload):
    """Emitted when staff mark a visit completed or a no-show (`outcome`)."""

    TYPE: ClassVar[str] = "booking.closed"
    booking_id: str
    booking_version: int
    outcome: str


class BookingRejected(Payload):
    """Emitted when the slot cannot be had; whatever was held is already released."""

    TYPE: ClassVar[str] = "booking.rejected"
    booking_id: str
    booking_version: int
    treatment: str
    treatment_name: str
    start: AwareDatetime
    timezone: str
    reason: str
    client: ClientContact
    location: str = "main"


EVENT_TYPES: dict[str, type[Payload]] = {
    cls.TYPE: cls
    for cls in (
        TreatmentPublished,
        ResourcePublished,
        TherapistPublished,
        LocationPublished,
        QuestionnairePublished,
        CatalogResyncRequested,
        BookingRequested,
        ResourcesReserved,
        BookingConfirmed,
        BookingRejected,
        BookingRescheduled,
        BookingCancelled,
        BookingClosed,
        BookingHeldForReview,
        BookingDeclined,
        AnswersChanged,
    )
}
