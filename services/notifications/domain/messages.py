"""What we send, to whom, and how one message is told apart from every other: plain Python."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    BOOKING_CONFIRMED = "booking_confirmed"
    THERAPIST_ASSIGNED = "therapist_assigned"
    BOOKING_REMINDER = "booking_reminder"
    BOOKING_REMINDER_SHORT = "booking_reminder_short"
    BOOKING_RESCHEDULED = "booking_rescheduled"
    BOOKING_CANCELLED = "booking_cancelled"
    BOOKING_REJECTED = "booking_rejected"
    THERAPIST_DAY_SCHEDULE = "therapist_day_schedule"
    THERAPIST_RELEASED = "therapist_released"  # the visit was cancelled, or moved to a colleague

    @property
    def template(self) -> str:
        """The template folder: both reminders share one set of templates."""
        return "booking_reminder" if self is Kind.BOOKING_REMINDER_SHORT else self.value


# Messages that carry the visit as an iCalendar attachment, and the method calendar programs act on.
CALENDAR_METHOD = {
    Kind.BOOKING_CONFIRMED: "REQUEST",
    Kind.THERAPIST_ASSIGNED: "REQUEST",
    Kind.BOOKING_RESCHEDULED: "REQUEST",
    Kind.BOOKING_CANCELLED: "CANCEL",
    Kind.THERAPIST_RELEASED: "CANCEL",
}


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by one worker; if that worker dies, the sweep tries again
    SENT = "sent"
    FAILED = "failed"  # the server refused it for good, or retries ran out


class UnsafeHeader(ValueError):
    """A value that would break out of its mail header (CR/LF injection)."""


def safe_header(value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise UnsafeHeader("line breaks are not allowed in a mail header")
    return value


def message_id(booking_id: str, kind: Kind, recipient: str, booking_version: int, domain: str) -> str:
    """The same (booking, kind, recipient, version) always gets the same Message-ID, so a rare
    resend after a crash is recognisable as the same message."""
    who = hashlib.sha256(recipient.lower().encode()).hexdigest()[:12]
    return f"<{booking_id}.{kind.value}.v{booking_version}.{who}@{domain}>"


def retry_delay(attempt: int, base_seconds: float, cap_seconds: float = 3600.0) -> float:
    """Exponential backoff with full jitter: spreads retries so a recovering server is not stampeded."""
    return random.uniform(0, min(cap_seconds, base_seconds * 2 ** max(attempt - 1, 0)))


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    correlation_id: str = ""
    attachments: tuple[Attachment, ...] = ()


def calendar_sequence(booking_version: int) -> int:
    """RFC 5545 SEQUENCE from the booking's version: 0 when first confirmed (version 2), then +1 per change."""
    return max(booking_version - 2, 0)
