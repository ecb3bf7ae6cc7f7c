"""Bookings, claims and the catalog copy in the booking database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.booking.adapters import orm
from services.booking.domain.calendar import Claims
from services.booking.domain.catalog import LocationRow, Resource, Therapist, TreatmentSpec, WeeklyHours
from services.booking.domain.model import Booking, Client, Status
from shared.outbox import utcnow


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


# ---- bookings -----------------------------------------------------------------------------------


def _row_values(booking: Booking) -> dict[str, Any]:
    return {
        "treatment": booking.treatment,
        "location": booking.location,
        "start_at": _naive(booking.start),
        "end_at": _naive(booking.end),
        "status": booking.status.value,
        "version": booking.version,
        "client_name": booking.client.name,
        "client_email": booking.client.email,
        "client_phone": booking.client.phone,
        "client_locale": booking.client.locale,
        "short_reminder": booking.short_reminder,
        "token_hash": booking.token_hash,
        "resources": booking.resources,
        "therapist": booking.therapist,
        "requested_therapist": booking.requested_therapist,
        "late_cancellation": booking.late_cancellation,
        "reason": booking.reason,
        "correlation_id": booking.correlation_id,
        "updated_at": utcnow(),
    }


def add(session: Session, booking: Booking, idempotency: tuple[str, str] | None = None) -> bool:
    """Insert a new booking; False (and nothing written) when its idempotency key is already taken."""
    key, fingerprint = idempotency or (None, None)
    values = {"id": booking.id, "created_at": utcnow(), "idempotency_key": key, "request_fingerprint": fingerprint}
    try:
        with session.begin_nested():
            session.execute(insert(orm.booking).values(**values, **_row_values(booking)))
    except IntegrityError:
        if key is None:
            raise
        return False
    return True


def by_idempotency_key(session: Session, key: str) -> tuple[Booking, str] | None:
    """The booking a key made, with the fingerprint of the request that made it."""
    row = session.execute(select(orm.booking).where(orm.booking.c.idempotency_key == key).with_for_update()).first()
    return (_booking(row), row.request_fingerprint) if row else None


def save(session: Session, booking: Booking) -> None:
    session.execute(update(orm.booking).where(orm.booking.c.id == booking.id).values(**_row_values(booking)))


def _booking(row: Any) -> Booking:
    return Booking(
        id=row.id,
        treatment=row.treatment,
        location=row.location,
        start=_aware(row.start_at),
        end=_aware(row.end_at),
        client=Client(name=row.client_name, email=row.client_email, phone=row.client_phone, locale=row.client_locale),
        short_reminder=row.short_reminder,
        token_hash=row.token_hash,
        correlation_id=row.correlation_id,
        status=Status(row.status),
        version=row.version,
        resources=dict(row.resources or {}),
        therapist=row.therapist,
        reason=row.reason,
        requested_therapist=row.requested_therapist,
        late_cancellation=row.late_cancellation,
    )


def get(session: Session, booking_id: str, lock: bool = False) -> Booking | None:
    """A booking; with `lock`, its row stays locked until the transaction ends, so two changes to one
    booking (a saga step and a cancellation, two reschedules) run one after the other on PostgreSQL.
    SQLite needs no lock: its writers are serialised from BEGIN IMMEDIATE on."""
    query = select(orm.booking).where(orm.booking.c.id == booking_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    return _booking(row) if row else None


def stale_pending(session: Session, older_than: datetime, limit: int = 100) -> list[str]:
    query = (
        select(orm.booking.c.id)
        .where(orm.booking.c.status == Status.PENDING.value, orm.booking.c.updated_at < _naive(older_than))
        .order_by(orm.booking.c.updated_at)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def confirmed_per_therapist(session: Session, day_start: datetime, day_end: datetime) -> dict[str, int]:
    query = (
        select(orm.booking.c.therapist, func.count())
        .where(
            orm.booking.c.status == Status.CONFIRMED.value,
            orm.booking.c.start_at >= _naive(day_start),
            orm.booking.c.start_at < _naive(day_end),
        )
        .group_by(orm.booking.c.therapist)
    )
    return {code: count for code, count in session.execute(query) if code}


# ---- claims -------------------------------------------------------------------------------------


def try_claim(session: Session, booking_id: str, kind: str, code: str, cells: Iterable[int]) -> bool:
    """Hold a resource for the cells, or nothing at all if any cell is already held."""
    rows = [{"kind": kind, "code": code, "cell": cell, "booking_id": booking_id} for cell in cells]
    if not rows:  # the booking holds every cell already (a reschedule onto its own slot)
        return True
    try:
        with session.begin_nested():
            session.execute(insert(orm.claim), rows)
    except IntegrityError:
        return False
    return True


def release_claims(session: Session, booking_id: str) -> None:
    session.execute(delete(orm.claim).where(orm.claim.c.booking_id == booking_id))


def claims_of(session: Session, booking_id: str) -> set[tuple[str, str, int]]:
    query = select(orm.claim.c.kind, orm.claim.c.code, orm.claim.c.cell).where(orm.claim.c.booking_id == booking_id)
    return {(kind, code, cell) for kind, code, cell in session.execute(query)}


def release_cells(session: Session, booking_id: str, cells: set[tuple[str, str, int]]) -> None:
    for kind, code, cell in cells:
        session.execute(
            delete(orm.claim).where(
                orm.claim.c.booking_id == booking_id,
                orm.claim.c.kind == kind,
                orm.claim.c.code == code,
                orm.claim.c.cell == cell,
            )
        )


def bookings_holding(session: Session, kind: str, code: str, first_cell: int, last_cell: int) -> list[Booking]:
    """Bookings that hold a resource anywhere in the cell range (a resource's day, for staff)."""
    ids = (
        select(orm.claim.c.booking_id)
        .where(orm.claim.c.kind == kind, orm.claim.c.code == code, orm.claim.c.cell.between(first_cell, last_cell))
        .distinct()
    )
    rows = session.execute(select(orm.booking).where(orm.booking.c.id.in_(ids)).order_by(orm.booking.c.start_at))
    return [_booking(row) for row in rows]


def taken_cells(session: Session, first_cell: int, last_cell: int) -> Claims:
    query = select(orm.claim.c.kind, orm.claim.c.code, orm.claim.c.cell).where(
        orm.claim.c.cell >= first_cell, orm.claim.c.cell <= last_cell
    )
    return {(kind, code, cell) for kind, code, cell in session.execute(query)}


# ---- catalog copy -------------------------------------------------------------------------------


def treatment(session: Session, slug: str) -> TreatmentSpec | None:
    row = session.execute(select(orm.treatment_copy).where(orm.treatment_copy.c.slug == slug)).first()
    if row is None:
        return None
    return TreatmentSpec(
        slug=row.slug,
        name=row.name,
        duration_minutes=row.duration_minutes,
        required_resources=dict(row.required_resources),
        required_skills=list(row.required_skills),
        buffer_minutes=dict(row.buffer_minutes),
        active=row.active,
    )


def treatment_slugs(session: Session) -> list[str]:
    query = select(orm.treatment_copy.c.slug).where(orm.treatment_copy.c.active.is_(True))
    return sorted(session.execute(query).scalars())


def resources(session: Session) -> list[Resource]:
    rows = session.execute(select(orm.resource_copy).where(orm.resource_copy.c.active.is_(True)))
    return [Resource(code=r.code, kind=r.kind, name=r.name, location=r.location) for r in rows]


def therapists(session: Session) -> list[Therapist]:
    rows = session.execute(select(orm.therapist_copy).where(orm.therapist_copy.c.active.is_(True)))
    return [
        Therapist(
            code=r.code,
            name=r.name,
            email=r.email,
            skills=frozenset(r.skills),
            weekly_hours=tuple(WeeklyHours(**h) for h in r.weekly_hours),
            location=r.location,
            breaks=tuple(WeeklyHours(**h) for h in r.breaks or []),
            time_off=tuple(
                (datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"])) for a in r.time_off or []
            ),
        )
        for r in rows
    ]


def locations(session: Session) -> list[LocationRow]:
    rows = session.execute(select(orm.location_copy).where(orm.location_copy.c.active.is_(True)))
    return [
        LocationRow(
            code=r.code,
            timezone=r.timezone,
            opening_hours=tuple(WeeklyHours(**h) for h in r.opening_hours),
            grid_minutes=r.slot_grid_minutes,
            min_notice_minutes=r.min_notice_minutes,
            max_advance_days=r.max_advance_days,
        )
        for r in rows
    ]


def count_by_status(session: Session) -> dict[str, int]:
    query = select(orm.booking.c.status, func.count()).group_by(orm.booking.c.status)
    return {status: count for status, count in session.execute(query)}


def oldest_pending(session: Session) -> datetime | None:
    oldest = session.execute(
        select(func.min(orm.booking.c.created_at)).where(orm.booking.c.status == Status.PENDING.value)
    ).scalar()
    return _aware(oldest) if oldest else None
