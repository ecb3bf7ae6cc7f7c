"""Notification use cases: turn booking events into owed messages, then send each exactly once.

An event creates delivery rows in the same transaction as its inbox record; the unique key on
(booking, kind, recipient, booking version) means a duplicate event cannot owe a second message.
Sending claims a row (queued -> sending) before talking to SMTP, so two workers never send the
same row; a worker that dies mid-send leaves the row `sending`, and the sweep retries it with the
same Message-ID. Reminders and therapists' day schedules are found by the scheduler in the
`appointment` table, never parked in the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.notifications.adapters import calendar, rendering
from services.notifications.adapters.mailer import PermanentFailure, TransientFailure
from services.notifications.adapters.orm import appointment, cancellation, delivery, location_info, treatment_info
from services.notifications.domain.messages import (
    CALENDAR_METHOD,
    DeliveryStatus,
    Kind,
    Mail,
    calendar_sequence,
    message_id,
    retry_delay,
    safe_header,
)
from shared.db import SessionFactory, transaction
from shared.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingRejected,
    BookingRescheduled,
    Envelope,
    LocationPublished,
    TreatmentPublished,
)
from shared.outbox import utcnow
from shared.replica import upsert_by_revision

Send = Callable[[Mail], None]
Alternatives = Callable[[str, datetime, str], list[datetime]]  # (treatment, after, location) -> free starts
STUCK_AFTER = timedelta(minutes=5)  # a `sending` row older than this lost its worker


@dataclass(frozen=True)
class MailSettings:
    """What every message needs from configuration."""

    domain: str  # Message-IDs and calendar UIDs are made under the sender's domain
    sender: str  # the sender's address, the calendar entry's organizer
    clinic_name: str
    manage_url: str = ""  # e.g. https://clinic.example/bookings/{booking_id}; empty: no link


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _when(start: datetime, tz: ZoneInfo, locale: str) -> dict[str, str]:
    local = start.astimezone(tz)
    return {
        "date": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
        "timezone": tz.key,
    }


def _treatment_texts(session: Session, slug: str, locale: str) -> dict[str, Any]:
    """The catalog's texts about a treatment, in the recipient's language where the catalog has it."""
    row = session.execute(select(treatment_info).where(treatment_info.c.slug == slug)).first()
    if row is None:
        return {"summary": "", "what_to_expect": [], "preparation": [], "aftercare": []}
    texts = {
        "summary": row.summary,
        "what_to_expect": list(row.what_to_expect),
        "preparation": list(row.preparation),
        "aftercare": list(row.aftercare),
    }
    translated = (row.translations or {}).get(locale, {})
    if "name" in translated:
        texts["treatment_name"] = translated["name"]
    return {key: translated.get(key, value) for key, value in texts.items()}


def _location(session: Session, code: str) -> tuple[str, str]:
    row = session.execute(select(location_info).where(location_info.c.code == code)).first()
    return (row.name, row.address) if row else (code, "")


def _visit_context(session: Session, visit: Any, settings: MailSettings, locale: str) -> dict[str, Any]:
    """Everything a message about one visit may show, formatted for the recipient's language."""
    tz = ZoneInfo(visit.timezone)
    location_name, location_address = _location(session, visit.location)
    return {
        "clinic_name": settings.clinic_name,
        "booking_id": visit.booking_id,
        "treatment_name": visit.treatment_name,
        "duration_minutes": visit.duration_minutes,
        "when": _when(_utc(visit.start_at), tz, locale),
        "location_name": location_name,
        "location_address": location_address,
        "client_name": visit.client_name,
        "therapist_name": visit.therapist_name,
        "room_name": visit.resource_names.get("room", ""),
        "kit_name": visit.resource_names.get("cupping_kit", ""),
        "manage_url": settings.manage_url.format(booking_id=visit.booking_id) if settings.manage_url else "",
        **_treatment_texts(session, visit.treatment, locale),
    }


def _calendar_entry(
    visit: Any, settings: MailSettings, kind: Kind, attendee: tuple[str, str], where: str, title: str = ""
) -> dict[str, Any]:
    title = title or visit.treatment_name
    return {
        "uid": f"{visit.booking_id}@{settings.domain}",
        "sequence": calendar_sequence(visit.version),
        "method": CALENDAR_METHOD[kind],
        "start": _utc(visit.start_at).isoformat(),
        "end": _utc(visit.end_at).isoformat(),
        "timezone": visit.timezone,
        "summary": f"{title} - {settings.clinic_name}",
        "location": where,
        "description": f"{visit.treatment_name} with {visit.therapist_name} ({visit.duration_minutes} min)",
        "attendee_name": attendee[0],
        "attendee_email": attendee[1],
    }


def owe(
    session: Session,
    key: str,
    kind: Kind,
    recipient: str,
    version: int,
    context: dict[str, Any],
    correlation_id: str,
    settings: MailSettings,
    locale: str = "en",
) -> bool:
    """Record a message we owe; a second record of the same message is silently the first one."""
    try:
        with session.begin_nested():
            session.execute(
                insert(delivery).values(
                    booking_id=key,
                    kind=kind.value,
                    recipient=recipient,
                    booking_version=version,
                    locale=locale,
                    context=context,
                    message_id=message_id(key, kind, recipient, version, settings.domain),
                    status=DeliveryStatus.QUEUED.value,
                    attempts=0,
                    next_attempt_at=utcnow(),
                    correlation_id=correlation_id,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    return True


def _owe_about_visit(
    session: Session, visit: Any, kind: Kind, to_therapist: bool, settings: MailSettings, correlation_id: str,
    **extra: Any,
) -> bool:  # fmt: skip
    locale = "en" if to_therapist else visit.client_locale
    therapist, client = (visit.therapist_name, visit.therapist_email), (visit.client_name, visit.client_email)
    recipient = therapist if to_therapist else client
    context = {**_visit_context(session, visit, settings, locale), **extra}
    if kind in CALENDAR_METHOD:
        where = ", ".join(part for part in (context["location_name"], context["location_address"]) if part)
        context["calendar"] = _calendar_entry(visit, settings, kind, recipient, where, context["treatment_name"])
    return owe(session, visit.booking_id, kind, recipient[1], visit.version, context, correlation_id, settings, locale)


# ---- what notifications knows of each visit ----------------------------------------------------


def _store_visit(session: Session, facts: BookingConfirmed, occurred_at: datetime) -> Any | None:
    """Keep the newest version of a confirmed visit; returns it, or None for an older, late event."""
    values = {
        "booking_id": facts.booking_id,
        "version": facts.booking_version,
        "status": "active",
        "treatment": facts.treatment,
        "treatment_name": facts.treatment_name,
        "duration_minutes": facts.duration_minutes,
        "start_at": _utc(facts.start).replace(tzinfo=None),
        "end_at": _utc(facts.end).replace(tzinfo=None),
        "timezone": facts.timezone,
        "location": facts.location,
        "resource_names": facts.resource_names,
        "therapist_code": facts.therapist_code,
        "therapist_name": facts.therapist_name,
        "therapist_email": facts.therapist_email,
        "client_name": facts.client.name,
        "client_email": facts.client.email,
        "client_locale": facts.client.locale,
        "short_reminder": facts.short_reminder,
        "changed_at": _utc(occurred_at).replace(tzinfo=None),
    }
    current = session.execute(
        select(appointment.c.version).where(appointment.c.booking_id == facts.booking_id)
    ).scalar()
    if current is not None and current >= facts.booking_version:
        return None
    called_off = session.execute(
        select(cancellation.c.version).where(cancellation.c.booking_id == facts.booking_id)
    ).scalar()
    if called_off is not None and called_off > facts.booking_version:
        return None  # cancelled already: this confirmation overtook nothing, it arrived late
    if current is None:
        session.execute(insert(appointment).values(**values))
    else:
        session.execute(update(appointment).where(appointment.c.booking_id == facts.booking_id).values(**values))
    return _visit(session, facts.booking_id)


def _visit(session: Session, booking_id: str) -> Any | None:
    return session.execute(select(appointment).where(appointment.c.booking_id == booking_id)).first()


# ---- event handlers -----------------------------------------------------------------------------


def on_booking_confirmed(session: Session, event: Envelope, settings: MailSettings) -> None:
    visit = _store_visit(session, event.open(BookingConfirmed), event.occurred_at)
    if visit is not None:
        _owe_about_visit(session, visit, Kind.BOOKING_CONFIRMED, False, settings, event.correlation_id)
        _owe_about_visit(session, visit, Kind.THERAPIST_ASSIGNED, True, settings, event.correlation_id)


def on_booking_rescheduled(session: Session, event: Envelope, settings: MailSettings) -> None:
    moved = event.open(BookingRescheduled)
    before = _visit(session, moved.booking_id)
    visit = _store_visit(session, moved, event.occurred_at)
    if visit is None:
        return
    if before is not None and before.therapist_code != visit.therapist_code:
        # The colleague who had it is told, at the new version, so their calendar drops the old entry.
        released = SimpleNamespace(**{**before._asdict(), "version": visit.version})
        _owe_about_visit(session, released, Kind.THERAPIST_RELEASED, True, settings, event.correlation_id,
                         reassigned=True)  # fmt: skip
    previous = _when(_utc(moved.previous_start), ZoneInfo(moved.timezone), visit.client_locale)
    _owe_about_visit(
        session, visit, Kind.BOOKING_RESCHEDULED, False, settings, event.correlation_id, previous_when=previous
    )
    _owe_about_visit(session, visit, Kind.THERAPIST_ASSIGNED, True, settings, event.correlation_id)


def on_booking_cancelled(session: Session, event: Envelope, settings: MailSettings) -> None:
    cancelled = event.open(BookingCancelled)
    try:
        with session.begin_nested():
            session.execute(
                insert(cancellation).values(booking_id=cancelled.booking_id, version=cancelled.booking_version)
            )
    except IntegrityError:
        pass  # remembered already
    visit = _visit(session, cancelled.booking_id)
    if visit is None or visit.version >= cancelled.booking_version:
        return  # not confirmed (yet: a late confirmation will now be ignored), or an older event
    session.execute(
        update(appointment)
        .where(appointment.c.booking_id == cancelled.booking_id)
        .values(status="cancelled", version=cancelled.booking_version, changed_at=utcnow())
    )
    visit = _visit(session, cancelled.booking_id)
    _owe_about_visit(
        session, visit, Kind.BOOKING_CANCELLED, False, settings, event.correlation_id,
        by_clinic=cancelled.by_clinic, late=cancelled.late, free_cancellation_hours=cancelled.free_cancellation_hours,
    )  # fmt: skip
    _owe_about_visit(session, visit, Kind.THERAPIST_RELEASED, True, settings, event.correlation_id, reassigned=False)


def on_booking_rejected(session: Session, event: Envelope, settings: MailSettings) -> None:
    rejected = event.open(BookingRejected)
    locale = rejected.client.locale
    texts = _treatment_texts(session, rejected.treatment, locale)
    context = {
        "clinic_name": settings.clinic_name,
        "booking_id": rejected.booking_id,
        "treatment_name": texts.get("treatment_name", rejected.treatment_name),
        "client_name": rejected.client.name,
        "reason": rejected.reason,
        "when": _when(rejected.start, ZoneInfo(rejected.timezone), locale),
        "booking_url": settings.manage_url.split("{", 1)[0] if settings.manage_url else "",
        # Filled in when the message is sent, so the alternatives are free at that moment.
        "alternatives_for": {"treatment": rejected.treatment, "start": rejected.start.isoformat(),
                             "timezone": rejected.timezone, "location": rejected.location},
    }  # fmt: skip
    owe(session, rejected.booking_id, Kind.BOOKING_REJECTED, rejected.client.email, rejected.booking_version,
        context, event.correlation_id, settings, locale)  # fmt: skip


def on_treatment_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, treatment_info, "slug", event.open(TreatmentPublished).model_dump(mode="json"))


def on_location_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, location_info, "code", event.open(LocationPublished).model_dump(mode="json"))


# ---- found by the scheduler ---------------------------------------------------------------------


def owe_reminders(session: Session, now: datetime, hours: float, short_hours: float, settings: MailSettings) -> int:
    """Owe a reminder for every active visit inside its reminder window.

    Only visits confirmed (or moved) before the window opened get one: a booking made for this
    afternoon needs no reminder an hour later. A moved visit has a new version, so a new reminder.
    """
    owed = 0
    for kind, window, wanted in (
        (Kind.BOOKING_REMINDER, hours, None),
        (Kind.BOOKING_REMINDER_SHORT, short_hours, True),
    ):
        opens = timedelta(hours=window)
        naive_now = _utc(now).replace(tzinfo=None)
        query = select(appointment).where(
            appointment.c.status == "active",
            appointment.c.start_at > naive_now,
            appointment.c.start_at <= naive_now + opens,
        )
        if wanted is not None:
            query = query.where(appointment.c.short_reminder.is_(True))
        for visit in session.execute(query).all():
            if visit.changed_at > visit.start_at - opens:
                continue
            before = int(window)
            correlation = f"reminder-{visit.booking_id}"
            owed += _owe_about_visit(session, visit, kind, False, settings, correlation, hours_before=before)
    return owed


def owe_day_schedules(session: Session, now: datetime, send_from_hour: int, settings: MailSettings) -> int:
    """Once the local morning hour has come, owe each therapist with visits today their day's list."""
    owed = 0
    visits = session.execute(
        select(appointment)
        .where(
            appointment.c.status == "active",
            appointment.c.start_at >= _utc(now).replace(tzinfo=None) - timedelta(hours=14),
            appointment.c.start_at < _utc(now).replace(tzinfo=None) + timedelta(hours=38),
        )
        .order_by(appointment.c.start_at)
    ).all()
    days: dict[tuple[str, date], list[Any]] = {}
    for visit in visits:
        tz = ZoneInfo(visit.timezone)
        local_now = _utc(now).astimezone(tz)
        day = _utc(visit.start_at).astimezone(tz).date()
        if day == local_now.date() and local_now.time() >= time(send_from_hour):
            days.setdefault((visit.therapist_code, day), []).append(visit)
    for (therapist, day), todays in days.items():
        # The key goes into the Message-ID: dots and dashes only.
        context = _day_schedule(session, todays, f"day-{day.isoformat()}-{therapist}", settings)
        key, version = context["booking_id"], int(day.strftime("%Y%m%d"))
        recipient = todays[0].therapist_email
        if owe(session, key, Kind.THERAPIST_DAY_SCHEDULE, recipient, version, context, f"day-{day}", settings):
            owed += 1
    return owed


def _day_schedule(
    session: Session, visits: list[Any], key: str, settings: MailSettings, locale: str = "en"
) -> dict[str, Any]:
    """A therapist's visits of one local day, earliest first (therapists' emails are in English)."""
    first = visits[0]
    tz = ZoneInfo(first.timezone)
    return {
        "clinic_name": settings.clinic_name,
        "booking_id": key,
        "therapist_name": first.therapist_name,
        "day": format_date(_utc(first.start_at).astimezone(tz), "full", locale=locale),
        "location_name": _location(session, first.location)[0],
        "appointments": [
            {
                "time": format_time(_utc(v.start_at).astimezone(tz), "short", locale=locale),
                "end_time": format_time(_utc(v.end_at).astimezone(tz), "short", locale=locale),
                "treatment_name": v.treatment_name,
                "client_name": v.client_name,
                "room_name": v.resource_names.get("room", ""),
                "kit_name": v.resource_names.get("cupping_kit", ""),
            }
            for v in visits
        ],
    }


# ---- sending ------------------------------------------------------------------------------------


def _claim_due(
    factory: SessionFactory, now: datetime, booking_id: str | None, limit: int, skip: frozenset[int] = frozenset()
) -> list[Any]:
    """Move due rows to `sending` and return them; a row another worker claimed first is skipped."""
    due = or_(
        and_(delivery.c.status == DeliveryStatus.QUEUED.value, delivery.c.next_attempt_at <= now),
        and_(delivery.c.status == DeliveryStatus.SENDING.value, delivery.c.claimed_at < now - STUCK_AFTER),
    )
    query = select(delivery).where(due).order_by(delivery.c.id).limit(limit)
    if booking_id is not None:
        query = query.where(delivery.c.booking_id == booking_id)
    if skip:
        query = query.where(delivery.c.id.not_in(skip))
    claimed = []
    with transaction(factory) as session:
        for row in session.execute(query).all():
            won = session.execute(
                update(delivery)
                .where(delivery.c.id == row.id, delivery.c.status == row.status, delivery.c.attempts == row.attempts)
                .values(status=DeliveryStatus.SENDING.value, claimed_at=now, attempts=row.attempts + 1)
            ).rowcount
            if won:
                claimed.append(row)
    return claimed


def _finish(factory: SessionFactory, row: Any, **values: Any) -> None:
    """Record how sending went, unless the row was claimed again meanwhile (this worker was too slow)."""
    with transaction(factory) as session:
        session.execute(
            update(delivery)
            .where(delivery.c.id == row.id, delivery.c.status == DeliveryStatus.SENDING.value,
                   delivery.c.attempts == row.attempts + 1)
            .values(**values)
        )  # fmt: skip


def compose(row: Any, settings: MailSettings, alternatives: Alternatives | None = None) -> Mail:
    """The message a delivery row stands for, rendered now in the recipient's language."""
    safe_header(row.recipient)  # before anything, the calendar entry included, puts it in a header
    kind = Kind(row.kind)
    context = dict(row.context)
    wanted = context.pop("alternatives_for", None)
    if kind is Kind.BOOKING_REJECTED:
        context["alternatives"] = _alternatives(wanted, alternatives, row.locale) if wanted else []
    subject, text, html = rendering.render(kind, context, row.locale)
    attachments = ()
    if "calendar" in context:
        attachments = (calendar.visit_ics(context["calendar"], settings.sender, settings.clinic_name),)
    return Mail(
        to=row.recipient,
        subject=subject,
        text=text,
        html=html,
        message_id=row.message_id,
        correlation_id=row.correlation_id,
        attachments=attachments,
    )


def _alternatives(wanted: dict[str, str], find: Alternatives | None, locale: str) -> list[dict[str, str]]:
    if find is None:
        return []
    tz = ZoneInfo(wanted["timezone"])
    try:
        starts = find(wanted["treatment"], datetime.fromisoformat(wanted["start"]), wanted["location"])
    except Exception:
        return []
    return [{"date": _when(s, tz, locale)["date"], "time": _when(s, tz, locale)["time"]} for s in starts[:3]]


def send_due(
    factory: SessionFactory,
    send: Send,
    settings: MailSettings,
    retry_base_seconds: float,
    max_attempts: int,
    booking_id: str | None = None,
    limit: int = 50,
    alternatives: Alternatives | None = None,
) -> int:
    """Send every message that is due (optionally only one booking's); returns how many went out.

    Rows are claimed one at a time, just before each is sent: a claim never ages into the
    stuck-row window while it waits behind slow sends in the same batch."""
    sent, tried = 0, set[int]()
    for _ in range(limit):
        claimed = _claim_due(factory, utcnow(), booking_id, 1, frozenset(tried))  # each row once per sweep
        if not claimed:
            break
        row = claimed[0]
        tried.add(row.id)
        sent += _send_one(factory, row, send, settings, retry_base_seconds, max_attempts, alternatives)
    return sent


def _send_one(
    factory: SessionFactory, row: Any, send: Send, settings: MailSettings, retry_base_seconds: float,
    max_attempts: int, alternatives: Alternatives | None,
) -> int:  # fmt: skip
    attempts = row.attempts + 1
    try:
        send(compose(row, settings, alternatives))
    except TransientFailure as error:
        if attempts >= max_attempts:
            _finish(factory, row, status=DeliveryStatus.FAILED.value, last_error=str(error)[:1000])
        else:
            later = utcnow() + timedelta(seconds=retry_delay(attempts, retry_base_seconds))
            _finish(factory, row, status=DeliveryStatus.QUEUED.value, next_attempt_at=later,
                    last_error=str(error)[:1000])  # fmt: skip
        return 0
    except PermanentFailure as error:  # the server's answer, word for word
        _finish(factory, row, status=DeliveryStatus.FAILED.value, last_error=str(error)[:1000])
        return 0
    except Exception as error:  # cannot be rendered or sent at all: it fails alone, the sweep goes on
        _finish(factory, row, status=DeliveryStatus.FAILED.value, last_error=f"not sent: {error}"[:1000])
        return 0
    _finish(factory, row, status=DeliveryStatus.SENT.value, sent_at=utcnow(), last_error=None)
    return 1


def resend(session: Session, delivery_id: int) -> bool:
    """Staff: send a message again (same Message-ID, so mail programs see it as the same message)."""
    return bool(
        session.execute(
            update(delivery)
            .where(delivery.c.id == delivery_id, delivery.c.status.in_(["sent", "failed"]))
            .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=utcnow(), last_error=None, attempts=0)
        ).rowcount
    )  # fmt: skip


def deliveries(session: Session, booking_id: str | None = None, recipient: str | None = None) -> list[Any]:
    query = select(delivery).order_by(delivery.c.id)
    if booking_id:
        query = query.where(delivery.c.booking_id == booking_id)
    if recipient:
        query = query.where(delivery.c.recipient == recipient)
    return list(session.execute(query).all())


def delivery_by_id(session: Session, delivery_id: int) -> Any | None:
    return session.execute(select(delivery).where(delivery.c.id == delivery_id)).first()


# ---- staff tools --------------------------------------------------------------------------------


def _sample_visit(timezone: str) -> Any:
    """A made-up visit for previews without a booking."""
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(10), ZoneInfo(timezone))
    start_at = start.astimezone(UTC).replace(tzinfo=None)
    return SimpleNamespace(
        booking_id="00000000-0000-4000-8000-000000000000", version=2, treatment="back-leg-cupping",
        treatment_name="Medical Massage: Back & Leg + Cupping", duration_minutes=45,
        start_at=start_at, end_at=start_at + timedelta(minutes=45),
        timezone=timezone, location="main", resource_names={"room": "Treatment room 1", "cupping_kit": "Cupping kit A"},
        therapist_code="anna-keller", therapist_name="Anna Keller", therapist_email="anna.keller@clinic.example",
        client_name="Maria Sample", client_email="maria@example.com", client_locale="en", short_reminder=False,
    )  # fmt: skip


def preview(
    session: Session, kind: Kind, settings: MailSettings, locale: str, timezone: str, booking_id: str | None = None
) -> Mail:
    """Render any message kind for a booking notifications knows, or for sample data, without sending it."""
    visit = _visit(session, booking_id) if booking_id else _sample_visit(timezone)
    if visit is None:
        raise LookupError(f"notifications knows no confirmed booking {booking_id!r}")
    if kind is Kind.THERAPIST_DAY_SCHEDULE:
        context = _day_schedule(session, [visit], f"day-preview-{visit.therapist_code}", settings, locale)
        recipient = visit.therapist_email
    else:
        context = {
            **_visit_context(session, visit, settings, locale),
            "hours_before": 2 if kind is Kind.BOOKING_REMINDER_SHORT else 24,
            "previous_when": _when(_utc(visit.start_at), ZoneInfo(visit.timezone), locale),
            "by_clinic": False, "late": False, "free_cancellation_hours": 24,
            "reason": "no cupping kit is free at that time", "booking_url": "", "alternatives": [], "reassigned": False,
        }  # fmt: skip
        to_therapist = kind in (Kind.THERAPIST_ASSIGNED, Kind.THERAPIST_RELEASED)
        who = (visit.therapist_name, visit.therapist_email) if to_therapist else (visit.client_name, visit.client_email)
        recipient = who[1]
        if kind in CALENDAR_METHOD:
            context["calendar"] = _calendar_entry(visit, settings, kind, who, context["location_name"])
    row = SimpleNamespace(
        kind=kind.value, context=context, locale=locale, recipient=recipient, correlation_id="preview",
        message_id=message_id(context["booking_id"], kind, recipient, 0, settings.domain),
    )  # fmt: skip
    return compose(row, settings)


# ---- for ops ------------------------------------------------------------------------------------


def gauges(session: Session) -> dict[str, tuple[str, list[str], list[tuple[list[str], float]]]]:
    """Messages by kind and status: a growing `queued` or any `failed` wants a look at the mail server."""
    rows = session.execute(
        select(delivery.c.kind, delivery.c.status, func.count()).group_by(delivery.c.kind, delivery.c.status)
    ).all()
    return {
        "clinic_deliveries": ("email deliveries by kind and status", ["kind", "status"],
                              [([kind, status], count) for kind, status, count in rows]),
    }  # fmt: skip
