"""Booking's wire shapes for HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from services.booking.domain.model import Status

_NO_LINE_BREAKS = r"^[^\r\n]*$"


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200, pattern=_NO_LINE_BREAKS, examples=["Maria Schmidt"])
    email: EmailStr = Field(examples=["maria@example.com"])
    phone: str | None = Field(None, max_length=40, pattern=r"^\+?[0-9 ()/-]{3,40}$", examples=["+49 30 1234567"])
    locale: Literal["en", "de"] = Field("en", description="language of the emails")


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    treatment: str = Field(min_length=1, max_length=64, examples=["back-leg-cupping"])
    start: AwareDatetime = Field(
        description="ISO 8601 with offset, on the slot grid", examples=["2026-12-01T10:00:00+01:00"]
    )
    client: ClientIn
    therapist: str | None = Field(
        None, max_length=64, description="a therapist's code, or omit for any qualified therapist", examples=[None]
    )
    location: str | None = Field(None, max_length=64, description="omit when the clinic has one location")
    reminder_2h: bool = Field(False, description="also send a short reminder 2 hours before the visit")


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: AwareDatetime = Field(description="the new start, ISO 8601 with offset, on the slot grid")


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
    version: int


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
