"""What notifications knows of a visit (from booking events) and of the catalog's texts: plain Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

ACTIVE, CANCELLED = "active", "cancelled"
IN_REVIEW = "in_review"  # held while a therapist looks at the intake answers: no reminders, not on a day's list


@dataclass(frozen=True)
class Visit:
    """One booked visit, as its newest booking event described it."""

    booking_id: str
    version: int
    status: str  # active | in_review | cancelled
    treatment: str
    treatment_name: str
    duration_minutes: int
    start_at: datetime  # aware
    end_at: datetime
    timezone: str
    location: str
    resource_names: dict[str, str]
    therapist_code: str
    therapist_name: str
    therapist_email: str
    client_name: str
    client_email: str
    client_locale: str
    short_reminder: bool
    changed_at: datetime  # when the current version was confirmed
    screened: bool  # the client answered an intake questionnaire: reminders ask whether anything changed

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def therapist(self) -> tuple[str, str]:
        """(name, address)"""
        return self.therapist_name, self.therapist_email

    @property
    def client(self) -> tuple[str, str]:
        """(name, address)"""
        return self.client_name, self.client_email

    @property
    def client_first_name(self) -> str:
        """All a message to staff about a review shows of the client."""
        return next(iter(self.client_name.split()), "")


@dataclass(frozen=True)
class TreatmentCopy:
    """The catalog's texts about a treatment, as notifications keeps them."""

    slug: str
    name: str
    summary: str
    what_to_expect: list[str]
    preparation: list[str]
    aftercare: list[str]
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def texts(self, locale: str) -> dict[str, Any]:
        """In the reader's language where the catalog has it; `treatment_name` only when translated."""
        texts: dict[str, Any] = {
            "summary": self.summary,
            "what_to_expect": list(self.what_to_expect),
            "preparation": list(self.preparation),
            "aftercare": list(self.aftercare),
        }
        translated = self.translations.get(locale, {})
        if "name" in translated:
            texts["treatment_name"] = translated["name"]
        return {key: translated.get(key, value) for key, value in texts.items()}


NO_TEXTS: dict[str, Any] = {"summary": "", "what_to_expect": [], "preparation": [], "aftercare": []}


@dataclass(frozen=True)
class LocationCopy:
    code: str
    name: str
    address: str
