"""What notifications owes on each booking event: the messages are recorded here, in the event's own
transaction, and sent later (see `sending`). Notifications keeps the newest version of each visit, so
reminders, reschedules and cancellations need not ask the booking service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.notifications.adapters.repository import AbstractRepository
from services.notifications.domain.messages import Kind, MailSettings, MessageKey, OwedMessage
from services.notifications.domain.visit import ACTIVE, CANCELLED, Visit
from services.notifications.service_layer.visit_context import (
    locale_of,
    message_context,
    reader_of,
    treatment_texts,
    when,
)
from shared.clock import Clock
from shared.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDeclined,
    BookingRejected,
    BookingRescheduled,
    Envelope,
)

OwedOnEvent = Callable[[AbstractRepository, Envelope, MailSettings, Clock], None]  # what each event handler is


def owe(repo: AbstractRepository, message: OwedMessage, mail: MailSettings, clock: Clock) -> bool:
    """Record a message we owe, due now; a second record of the same message is silently the first one."""
    return repo.owe(message, message.key.message_id(mail.domain), clock.now())


@dataclass(frozen=True)
class Owing:
    """What owing messages about one event needs besides the messages."""

    repo: AbstractRepository
    mail: MailSettings
    clock: Clock
    correlation_id: str

    def message(self, key: MessageKey, locale: str, context: dict[str, Any]) -> bool:
        return owe(self.repo, OwedMessage(key, locale, context, self.correlation_id), self.mail, self.clock)

    def about_visit(self, visit: Visit, kind: Kind, to: str = "", **extra: Any) -> bool:
        """Owe the visit's client (or, for therapists' kinds, its therapist) a message of this kind; `to` another
        address instead (a staff copy: its own delivery, its own key)."""
        context = {**message_context(self.repo, visit, kind, self.mail), **extra}
        key = MessageKey(visit.booking_id, kind, to or reader_of(visit, kind)[1], visit.version)
        return self.message(key, locale_of(visit, kind), context)


def visit_of(facts: BookingConfirmed, occurred_at: datetime) -> Visit:
    """The visit a booking.confirmed (or booking.rescheduled) event describes."""
    return Visit(
        booking_id=facts.booking_id, version=facts.booking_version, status=ACTIVE, treatment=facts.treatment,
        treatment_name=facts.treatment_name, duration_minutes=facts.duration_minutes,
        start_at=facts.start.astimezone(UTC), end_at=facts.end.astimezone(UTC), timezone=facts.timezone,
        location=facts.location, resource_names=dict(facts.resource_names), therapist_code=facts.therapist_code,
        therapist_name=facts.therapist_name, therapist_email=facts.therapist_email, client_name=facts.client.name,
        client_email=facts.client.email, client_locale=facts.client.locale, short_reminder=facts.short_reminder,
        changed_at=occurred_at.astimezone(UTC), screened=facts.screened,
    )  # fmt: skip


def keep_newest(repo: AbstractRepository, visit: Visit) -> bool:
    """Keep a confirmed visit unless a newer version is known; False for an older, late event."""
    current = repo.visit(visit.booking_id)
    if current is not None and current.version >= visit.version:
        return False
    called_off = repo.cancelled_version(visit.booking_id)
    if called_off is not None and called_off > visit.version:
        return False  # cancelled already: this confirmation overtook nothing, it arrived late
    repo.save_visit(visit)
    return True


def in_therapists_calendar(repo: AbstractRepository, visit: Visit) -> bool:
    """Whether the visit's therapist was sent it for their calendar: an active visit always was; one in review
    only if it had been confirmed before (an update of the answers put it back into review)."""
    if visit.status == ACTIVE:
        return True
    invites = repo.deliveries(booking_id=visit.booking_id, recipient=visit.therapist_email)
    return any(row.kind == Kind.THERAPIST_ASSIGNED.value for row in invites)


def alternatives_for(treatment: str, refused: BookingRejected | BookingDeclined) -> dict[str, str]:
    """What the message asks the booking service for when it is sent, so the times it lists are free then."""
    return {"treatment": treatment, "start": refused.start.isoformat(), "timezone": refused.timezone,
            "location": refused.location}  # fmt: skip


def on_booking_confirmed(repo: AbstractRepository, event: Envelope, mail: MailSettings, clock: Clock) -> None:
    confirmed = event.open(BookingConfirmed)
    visit = visit_of(confirmed, event.occurred_at)
    if keep_newest(repo, visit):
        owing = Owing(repo, mail, clock, event.correlation_id)
        # One confirmation either way; after a review it says that a therapist approved the answers.
        if confirmed.after_review:
            owing.about_visit(visit, Kind.BOOKING_APPROVED)
        else:  # timed from the request to the email (a review's wait is a person's, not ours)
            requested = confirmed.requested_at.isoformat() if confirmed.requested_at else None
            owing.about_visit(visit, Kind.BOOKING_CONFIRMED, requested_at=requested)
        owing.about_visit(visit, Kind.THERAPIST_ASSIGNED)


def on_booking_rescheduled(repo: AbstractRepository, event: Envelope, mail: MailSettings, clock: Clock) -> None:
    moved = event.open(BookingRescheduled)
    before = repo.visit(moved.booking_id)
    visit = visit_of(moved, event.occurred_at)
    if not keep_newest(repo, visit):
        return
    owing = Owing(repo, mail, clock, event.correlation_id)
    if before is not None and before.therapist_code != visit.therapist_code:
        # The colleague who had it is told, at the new version, so their calendar drops the old entry.
        owing.about_visit(replace(before, version=visit.version), Kind.THERAPIST_RELEASED, reassigned=True)
    previous = when(moved.previous_start, visit.tz, visit.client_locale)
    owing.about_visit(visit, Kind.BOOKING_RESCHEDULED, previous_when=previous)
    owing.about_visit(visit, Kind.THERAPIST_ASSIGNED)


def on_booking_cancelled(repo: AbstractRepository, event: Envelope, mail: MailSettings, clock: Clock) -> None:
    cancelled = event.open(BookingCancelled)
    repo.remember_cancellation(cancelled.booking_id, cancelled.booking_version)
    before = repo.visit(cancelled.booking_id)
    if before is None or before.version >= cancelled.booking_version:
        return  # not confirmed (yet: a late confirmation will now be ignored), or an older event
    visit = replace(before, status=CANCELLED, version=cancelled.booking_version, changed_at=clock.now())
    repo.save_visit(visit)
    owing = Owing(repo, mail, clock, event.correlation_id)
    owing.about_visit(
        visit, Kind.BOOKING_CANCELLED,
        by_clinic=cancelled.by_clinic, late=cancelled.late, free_cancellation_hours=cancelled.free_cancellation_hours,
        reason=cancelled.reason,
    )  # fmt: skip
    if in_therapists_calendar(repo, before):
        owing.about_visit(visit, Kind.THERAPIST_RELEASED, reassigned=False)


def on_booking_rejected(repo: AbstractRepository, event: Envelope, mail: MailSettings, clock: Clock) -> None:
    rejected = event.open(BookingRejected)
    locale = rejected.client.locale
    texts = treatment_texts(repo, rejected.treatment, locale)
    context = {
        "clinic_name": mail.clinic_name,
        "booking_id": rejected.booking_id,
        "treatment_name": texts.get("treatment_name", rejected.treatment_name),
        "client_name": rejected.client.name,
        "reason": rejected.reason,
        "when": when(rejected.start, ZoneInfo(rejected.timezone), locale),
        "booking_url": mail.booking_url,
        "alternatives_for": alternatives_for(rejected.treatment, rejected),
    }
    key = MessageKey(rejected.booking_id, Kind.BOOKING_REJECTED, rejected.client.email, rejected.booking_version)
    Owing(repo, mail, clock, event.correlation_id).message(key, locale, context)
