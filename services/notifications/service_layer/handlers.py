"""Notification use cases: turn booking events into owed messages, then send each exactly once.

An event creates delivery rows in the same transaction as its inbox record; the unique key on
(booking, kind, recipient, booking version) means a duplicate event cannot owe a second message.
Sending claims a row (queued -> sending) before talking to SMTP, so two workers never send the
same row; a worker that dies mid-send leaves the row `sending`, and the sweep retries it with the
same Message-ID.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.notifications.adapters import rendering
from services.notifications.adapters.mailer import PermanentFailure, TransientFailure
from services.notifications.adapters.orm import delivery, treatment_info
from services.notifications.domain.messages import DeliveryStatus, Kind, Mail, message_id, retry_delay
from shared.db import SessionFactory, transaction
from shared.events import BookingConfirmed, BookingRejected, Envelope, TreatmentPublished
from shared.outbox import utcnow
from shared.replica import upsert_by_revision

Send = Callable[[Mail], None]
STUCK_AFTER = timedelta(minutes=5)  # a `sending` row older than this lost its worker


def _when(start: datetime, tz: ZoneInfo, locale: str) -> dict[str, str]:
    local = start.astimezone(tz)
    return {
        "date": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
        "timezone": tz.key,
    }


def _treatment_texts(session: Session, slug: str) -> dict[str, Any]:
    row = session.execute(select(treatment_info).where(treatment_info.c.slug == slug)).first()
    if row is None:
        return {"summary": "", "what_to_expect": [], "preparation": [], "aftercare": []}
    return {
        "summary": row.summary,
        "what_to_expect": list(row.what_to_expect),
        "preparation": list(row.preparation),
        "aftercare": list(row.aftercare),
    }


def _owe(
    session: Session,
    booking_id: str,
    kind: Kind,
    recipient: str,
    version: int,
    context: dict[str, Any],
    correlation_id: str,
    domain: str,
    locale: str = "en",
) -> None:
    """Record a message we owe; a second record of the same message is silently the first one."""
    try:
        with session.begin_nested():
            session.execute(
                insert(delivery).values(
                    booking_id=booking_id,
                    kind=kind.value,
                    recipient=recipient,
                    booking_version=version,
                    locale=locale,
                    context=context,
                    message_id=message_id(booking_id, kind, recipient, version, domain),
                    status=DeliveryStatus.QUEUED.value,
                    attempts=0,
                    next_attempt_at=utcnow(),
                    correlation_id=correlation_id,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        pass


def on_booking_confirmed(session: Session, event: Envelope, domain: str, clinic_name: str) -> None:
    confirmed = event.open(BookingConfirmed)
    tz = ZoneInfo(confirmed.timezone)
    common = {
        "clinic_name": clinic_name,
        "booking_id": confirmed.booking_id,
        "treatment_name": confirmed.treatment_name,
        "duration_minutes": confirmed.duration_minutes,
        "therapist_name": confirmed.therapist_name,
        "client_name": confirmed.client.name,
        "room_name": confirmed.resource_names.get("room", ""),
        "kit_name": confirmed.resource_names.get("cupping_kit", ""),
        "when": _when(confirmed.start, tz, "en"),
        **_treatment_texts(session, confirmed.treatment),
    }
    _owe(
        session,
        confirmed.booking_id,
        Kind.BOOKING_CONFIRMED,
        confirmed.client.email,
        confirmed.booking_version,
        common,
        event.correlation_id,
        domain,
    )
    _owe(
        session,
        confirmed.booking_id,
        Kind.THERAPIST_ASSIGNED,
        confirmed.therapist_email,
        confirmed.booking_version,
        common,
        event.correlation_id,
        domain,
    )


def on_booking_rejected(session: Session, event: Envelope, domain: str, clinic_name: str) -> None:
    rejected = event.open(BookingRejected)
    context = {
        "clinic_name": clinic_name,
        "booking_id": rejected.booking_id,
        "treatment_name": rejected.treatment_name,
        "client_name": rejected.client.name,
        "reason": rejected.reason,
        "when": _when(rejected.start, ZoneInfo(rejected.timezone), "en"),
    }
    _owe(
        session,
        rejected.booking_id,
        Kind.BOOKING_REJECTED,
        rejected.client.email,
        rejected.booking_version,
        context,
        event.correlation_id,
        domain,
    )


def on_treatment_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, treatment_info, "slug", event.open(TreatmentPublished).model_dump())


# ---- sending ------------------------------------------------------------------------------------


def _claim_due(factory: SessionFactory, now: datetime, booking_id: str | None, limit: int) -> list[Any]:
    """Move due rows to `sending` and return them; a row another worker claimed first is skipped."""
    due = or_(
        and_(delivery.c.status == DeliveryStatus.QUEUED.value, delivery.c.next_attempt_at <= now),
        and_(delivery.c.status == DeliveryStatus.SENDING.value, delivery.c.claimed_at < now - STUCK_AFTER),
    )
    query = select(delivery).where(due).order_by(delivery.c.id).limit(limit)
    if booking_id is not None:
        query = query.where(delivery.c.booking_id == booking_id)
    claimed = []
    with transaction(factory) as session:
        for row in session.execute(query).all():
            won = session.execute(
                update(delivery)
                .where(
                    delivery.c.id == row.id,
                    delivery.c.status == row.status,
                    delivery.c.attempts == row.attempts,
                )
                .values(status=DeliveryStatus.SENDING.value, claimed_at=now, attempts=row.attempts + 1)
            ).rowcount
            if won:
                claimed.append(row)
    return claimed


def _finish(factory: SessionFactory, row_id: int, **values: Any) -> None:
    with transaction(factory) as session:
        session.execute(update(delivery).where(delivery.c.id == row_id).values(**values))


def send_due(
    factory: SessionFactory,
    send: Send,
    retry_base_seconds: float,
    max_attempts: int,
    booking_id: str | None = None,
    limit: int = 50,
) -> int:
    """Send every message that is due (optionally only one booking's); returns how many went out."""
    sent = 0
    for row in _claim_due(factory, utcnow(), booking_id, limit):
        subject, text, html = rendering.render(Kind(row.kind), row.context)
        mail = Mail(
            to=row.recipient,
            subject=subject,
            text=text,
            html=html,
            message_id=row.message_id,
            correlation_id=row.correlation_id,
        )
        attempts = row.attempts + 1
        try:
            send(mail)
        except TransientFailure as error:
            if attempts >= max_attempts:
                _finish(factory, row.id, status=DeliveryStatus.FAILED.value, last_error=str(error)[:1000])
            else:
                later = utcnow() + timedelta(seconds=retry_delay(attempts, retry_base_seconds))
                _finish(
                    factory,
                    row.id,
                    status=DeliveryStatus.QUEUED.value,
                    next_attempt_at=later,
                    last_error=str(error)[:1000],
                )
            continue
        except PermanentFailure as error:
            _finish(factory, row.id, status=DeliveryStatus.FAILED.value, last_error=str(error)[:1000])
            continue
        _finish(factory, row.id, status=DeliveryStatus.SENT.value, sent_at=utcnow(), last_error=None)
        sent += 1
    return sent


def deliveries(session: Session, booking_id: str | None = None, recipient: str | None = None) -> list[Any]:
    query = select(delivery).order_by(delivery.c.id)
    if booking_id:
        query = query.where(delivery.c.booking_id == booking_id)
    if recipient:
        query = query.where(delivery.c.recipient == recipient)
    return list(session.execute(query).all())
