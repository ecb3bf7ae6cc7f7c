"""Booking's wire shapes for HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from services.booking.domain.model import Status
from services.booking.domain.screening import Outcome
from shared.text import MULTI_LINE, ONE_LINE, one_line

_NO_LINE_BREAKS = r"^[^\r\n]*$"


def _in_utc(moment: datetime) -> datetime:
    """One instant is one request whatever offset it was written with (the Idempotency-Key fingerprint
    compares the UTC form)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC form
        raise ValueError("is out of range") from None


# Every string is bounded and refuses control characters (shared/text.py).
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), ONE_LINE]
Email = Annotated[EmailStr, ONE_LINE]
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
Phone = Annotated[str, StringConstraints(max_length=40, pattern=r"^\+?[0-9 ()/-]{3,40}$"), ONE_LINE]
# Told to the client in an email: one paragraph.
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=_NO_LINE_BREAKS), MULTI_LINE]
# A line break is refused by the pattern first (its message names the pattern), any other control
# character afterwards.
ClientName = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=_NO_LINE_BREAKS), AfterValidator(one_line)
]
Answers = Annotated[
    dict[
        Annotated[str, StringConstraints(max_length=40), ONE_LINE],
        Annotated[str, StringConstraints(max_length=500), MULTI_LINE],
    ],
    Field(max_length=40),
]


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: ClientName = Field(examples=["Maria Schmidt"])
    email: Email = Field(examples=["maria@example.com"])
    phone: Phone | None = Field(None, examples=["+49 30 1234567"])
    locale: Literal["en", "de"] = Field("en", description="language of the emails")


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    treatment: Code = Field(examples=["back-leg-cupping"])
    start: Instant = Field(description="ISO 8601 with offset, on the slot grid", examples=["2026-12-01T10:00:00+01:00"])
    client: ClientIn
    therapist: Code | None = Field(
        None, description="a therapist's code, or omit for any qualified therapist", examples=[None]
    )
    location: Code | None = Field(None, description="omit when the clinic has one location")
    reminder_2h: bool = Field(False, description="also send a short reminder 2 hours before the visit")
    answers: Answers = Field(
        default_factory=dict,
        description="the treatment's intake questions (GET /questionnaires/{treatment} on the catalog): "
        "question code -> answer (yes/no, an option's value, or text)",
        examples=[{"blood_thinners": "no"}],
    )


class AnswersUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: Answers


class AnswerPublic(BaseModel):
    question: str
    text: dict[str, str]
    answer: str
    label: dict[str, str]
    outcome: Outcome


class AnswersPublic(BaseModel):
    booking_id: str
    questionnaire_version: int
    outcome: Outcome
    advice: list[str] = Field(
        description="what the client is told about the answers just given (review), in "
        "their language; empty when read back"
    )
    answered_at: datetime | None
    answers: list[AnswerPublic]


class DeclineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Reason = Field(description="told to the client")


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Reason | None = Field(
        None,
        description="staff only: why the clinic cancels, told to the client",
        examples=["the therapist is ill"],
    )


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Instant = Field(description="the new start, ISO 8601 with offset, on the slot grid")
    location: Code | None = Field(
        None,
        description="move it to this open location; omit to stay (a booking at a closed location must move)",
    )


class BookingAccepted(BaseModel):
    id: str
    status: Status
    token: str = Field(description="Keep it: it is needed to read the booking, and shown only once.")
    links: dict[str, str]


class BookingPublic(BaseModel):
    id: str
    status: Status
    treatment: str
    location: str
    start: datetime
    end: datetime
    room: str | None = None
    cupping_kit: str | None = None
    therapist: str | None = None
    therapist_name: str | None = None
    room_name: str | None = None
    cupping_kit_name: str | None = None
    requested_therapist: str | None = None
    reason: str | None = None
    late_cancellation: bool | None = None
    screening: Outcome | None = Field(None, description="the intake answers' outcome (never the answers)")
    questionnaire_version: int | None = None
    version: int
    free_cancellation_until: datetime = Field(
        description="until when a client cancels for free: the start less BOOKING_FREE_CANCELLATION_HOURS"
    )
    cancellation_would_be_late: bool = Field(
        description="whether the client cancelling now would count as late (always false for staff, "
        "whose cancellation is the clinic's)"
    )
    review_deadline: datetime | None = Field(
        None,
        description="while it waits for review: when it is declined unless a therapist approved it "
        "(the start less BOOKING_REVIEW_DEADLINE_MINUTES)",
    )


class DaySchedule(BaseModel):
    kind: str
    code: str
    date: date
    bookings: list[BookingPublic]


class Availability(BaseModel):
    treatment: str
    date: date
    days: int = 1
    timezone: str
    slots: list[datetime]


class DayBookingPublic(BaseModel):
    id: str
    status: Status
    start: datetime
    end: datetime
    treatment: str = Field(description="the treatment's name")
    client_first_name: str
    screening: Outcome | None = Field(None, description="the intake answers' outcome (never the answers)")


class DayRowPublic(BaseModel):
    kind: str = Field(description="therapist, room or cupping_kit")
    code: str
    name: str
    available_minutes: int = Field(
        description="therapist: shift here less breaks and time off; room, kit: the opening hours"
    )
    booked_minutes: int = Field(description="its bookings' minutes inside the day")
    utilisation: float = Field(description="booked over available; 0 when nothing was available")
    bookings: list[DayBookingPublic]


class DayView(BaseModel):
    date: date
    location: str
    timezone: str
    opens: datetime | None = Field(description="the opening hours that day; null when closed")
    closes: datetime | None
    rows: list[DayRowPublic]
    utilisation: float = Field(description="booked over available minutes of all rows together")
