"""Catalog's wire shapes for HTTP (kept apart from the tables)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class WorkingHoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["17:00"])


class TreatmentIn(BaseModel):
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
    active: bool = True


class TreatmentOut(TreatmentIn):
    slug: str
    revision: int


class ResourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(examples=["room", "cupping_kit"])
    name: str = Field(min_length=1, max_length=200)
    location: str = "main"
    active: bool = True


class ResourceOut(ResourceIn):
    code: str
    revision: int


class TherapistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    skills: list[str]
    weekly_hours: list[WorkingHoursIn]
    location: str = "main"
    active: bool = True


class TherapistOut(TherapistIn):
    code: str
    revision: int
