"""What we send, to whom, and how one message is told apart from every other: plain Python."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    BOOKING_CONFIRMED = "booking_confirmed"
    THERAPIST_ASSIGNED = "therapist_assigned"
    BOOKING_REJECTED = "booking_rejected"


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
class Mail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    correlation_id: str = ""
