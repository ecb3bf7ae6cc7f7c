"""What we send, to whom, and how one message is told apart from every other: plain Python."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin


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
    REVIEW_PENDING = "review_pending"  # the intake answers need a therapist's look: the visit is held
    REVIEW_WAITING = "review_waiting"  # to the therapist (and a staff address): open the front desk
    BOOKING_APPROVED = "booking_approved"  # confirmed after a therapist approved the answers
    BOOKING_DECLINED = "booking_declined"  # not going ahead after review, or not reviewed in time

    @property
    def template(self) -> str:
        """The template folder: both reminders share one set of templates."""
        return "booking_reminder" if self is Kind.BOOKING_REMINDER_SHORT else self.value

    @property
    def to_therapist(self) -> bool:
        """Therapists read these; clients read every other kind."""
        return self in (
            Kind.THERAPIST_ASSIGNED, Kind.THERAPIST_RELEASED, Kind.THERAPIST_DAY_SCHEDULE, Kind.REVIEW_WAITING,
        )  # fmt: skip

    @property
    def carries_manage_link(self) -> bool:
        """Every client message is about one booking and links to its self-service page."""
        return not self.to_therapist

    @property
    def offers_free_times(self) -> bool:
        """Refusals list other times, looked up when the message is sent so they are free then."""
        return self in (Kind.BOOKING_REJECTED, Kind.BOOKING_DECLINED)


# Messages that carry the visit as an iCalendar attachment, and the method calendar programs act on.
CALENDAR_METHOD = {
    Kind.BOOKING_CONFIRMED: "REQUEST",
    Kind.BOOKING_APPROVED: "REQUEST",
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


@dataclass(frozen=True)
class MailSettings:
    """What every message needs from configuration."""

    domain: str  # Message-IDs and calendar UIDs are made under the sender's domain
    sender: str  # the sender's address, the calendar entry's organizer
    clinic_name: str
    manage_url: str = ""  # the self-service page, e.g. https://clinic.example/manage/; empty: no links
    review_email: str = ""  # staff who also hear that a review is waiting; empty: the therapist only
    # Signs each client's link (MANAGE_LINK_SECRET); empty: no links. Kept out of repr, so out of any log.
    link_secret: str = field(default="", repr=False)

    @property
    def booking_url(self) -> str:
        """The booking page, where refusals send clients to pick another time: `book/` beside the manage page."""
        return urljoin(self.manage_url.rstrip("/") + "/", "../book/") if self.manage_url else ""


@dataclass(frozen=True)
class MessageKey:
    """What tells one message apart from every other: the unique key of a delivery."""

    booking_id: str  # or a day schedule's key, day-<date>-<therapist>
    kind: Kind
    recipient: str
    version: int  # the booking's version; a day schedule's date as YYYYMMDD

    def message_id(self, domain: str) -> str:
        return message_id(self.booking_id, self.kind, self.recipient, self.version, domain)


@dataclass(frozen=True)
class OwedMessage:
    """A message we owe someone, before it is rendered: its key and the facts it will show."""

    key: MessageKey
    locale: str
    context: dict[str, Any]
    correlation_id: str


@dataclass(frozen=True)
class Draft:
    """Everything rendering one message needs."""

    kind: Kind
    recipient: str
    locale: str
    context: dict[str, Any]
    message_id: str
    correlation_id: str


@dataclass(frozen=True)
class Delivery:
    """One message we owe, and how sending it has gone so far."""

    id: int
    booking_id: str
    kind: str
    recipient: str
    booking_version: int
    locale: str
    context: dict[str, Any]
    message_id: str
    status: str
    attempts: int  # counted when claimed, so a claimed delivery's attempt is already included
    next_attempt_at: datetime
    claimed_at: datetime | None
    last_error: str | None
    correlation_id: str
    created_at: datetime
    sent_at: datetime | None

    @property
    def draft(self) -> Draft:
        return Draft(Kind(self.kind), self.recipient, self.locale, self.context, self.message_id, self.correlation_id)


@dataclass(frozen=True)
class Outcome:
    """How one attempt to send went: the delivery's new status and what goes with it."""

    status: DeliveryStatus
    last_error: str | None = None
    next_attempt_at: datetime | None = None  # a retry's time
    sent_at: datetime | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of a transient SMTP failure: the base delay doubles each attempt, up to `max_attempts`."""

    base_seconds: float
    max_attempts: int


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
