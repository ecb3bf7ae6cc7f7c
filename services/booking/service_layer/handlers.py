"""Booking use cases and the booking saga.

The saga runs in workers, one step per event, each step in one transaction with the events it causes:
  booking.requested          -> reserve_resources: hold a room (and a cupping kit where needed)
  booking.resources_reserved -> assign_therapist: hold a qualified therapist, confirm
A step that cannot get what it needs releases every claim of the booking and rejects it with a
reason a person can read. Each step checks the booking's state first, so a repeated step is a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.booking.adapters import orm, repository
from services.booking.adapters.orm import outbox
from services.booking.domain.allocation import Taken, available_starts, free_resources, free_therapists
from services.booking.domain.calendar import CELL_MINUTES, BookingRules, cell_of, claim_cells
from services.booking.domain.catalog import KIND_NAMES, TreatmentSpec
from services.booking.domain.exceptions import InvalidRequest, NotFound
from services.booking.domain.model import Booking, Client
from shared.events import (
    BookingConfirmed,
    BookingRejected,
    BookingRequested,
    ClientContact,
    Envelope,
    ResourcePublished,
    ResourcesReserved,
    TherapistPublished,
    TreatmentPublished,
)
from shared.replica import upsert_by_revision


@dataclass(frozen=True)
class BookingRequest:
    treatment: str
    start: datetime
    client: Client
    correlation_id: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_booking(
    session: Session, request: BookingRequest, rules: BookingRules, now: datetime
) -> tuple[Booking, str]:
    """Store a pending booking and announce it; returns the booking and its access token (shown once)."""
    treatment = repository.treatment(session, request.treatment)
    if treatment is None or not treatment.active:
        known = ", ".join(repository.treatment_slugs(session)) or "none yet"
        raise InvalidRequest(f"unknown treatment {request.treatment!r}; known treatments: {known}")
    problem = rules.problem_with(request.start, now)
    if problem:
        raise InvalidRequest(problem)
    token = secrets.token_urlsafe(32)
    start = request.start.astimezone(UTC)
    booking = Booking(
        id=str(uuid.uuid4()),
        treatment=treatment.slug,
        start=start,
        end=start + timedelta(minutes=treatment.duration_minutes),
        client=request.client,
        token_hash=hash_token(token),
        correlation_id=request.correlation_id,
    )
    repository.add(session, booking)
    outbox.add(
        session,
        BookingRequested(booking_id=booking.id, treatment=booking.treatment, start=booking.start, end=booking.end),
        booking.correlation_id,
    )
    return booking, token


def get_booking(session: Session, booking_id: str, token: str) -> Booking:
    booking = repository.get(session, booking_id)
    if booking is None or not hmac.compare_digest(booking.token_hash, hash_token(token)):
        raise NotFound("no booking with this id and token")
    return booking


# ---- the saga -----------------------------------------------------------------------------------


def _taken_around(session: Session, treatment: TreatmentSpec, start: datetime) -> Taken:
    longest = treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])
    return repository.taken_cells(session, cell_of(start) - 1, cell_of(start) + longest // CELL_MINUTES + 1)


def _when(booking: Booking, tz: ZoneInfo) -> str:
    return booking.start.astimezone(tz).strftime("%H:%M on %d %b %Y")


def _reject(session: Session, booking: Booking, treatment: TreatmentSpec | None, reason: str, tz: ZoneInfo) -> None:
    repository.release_claims(session, booking.id)
    booking.reject(reason)
    repository.save(session, booking)
    outbox.add(
        session,
        BookingRejected(
            booking_id=booking.id,
            booking_version=booking.version,
            treatment=booking.treatment,
            treatment_name=treatment.name if treatment else booking.treatment,
            start=booking.start,
            timezone=tz.key,
            reason=reason,
            client=ClientContact(**asdict(booking.client)),
        ),
        booking.correlation_id,
    )


def reserve_resources(session: Session, booking_id: str, tz: ZoneInfo) -> None:
    """Saga step 1: hold a free resource of every kind the treatment needs, or reject."""
    booking = repository.get(session, booking_id)
    if booking is None or not booking.awaiting_resources:
        return
    treatment = repository.treatment(session, booking.treatment)
    if treatment is None:
        _reject(session, booking, None, "this treatment is no longer offered", tz)
        return
    taken = _taken_around(session, treatment, booking.start)
    resources = repository.resources(session)
    held: dict[str, str] = {}
    for kind in sorted(treatment.required_resources):
        span = claim_cells(treatment, kind, booking.start)
        for candidate in free_resources(treatment, kind, resources, taken, booking.start):
            if repository.try_claim(session, booking.id, kind, candidate.code, span):
                held[kind] = candidate.code
                break
        else:
            reason = f"no {KIND_NAMES.get(kind, kind)} is free at {_when(booking, tz)}"
            _reject(session, booking, treatment, reason, tz)
            return
    booking.hold(held)
    repository.save(session, booking)
    outbox.add(session, ResourcesReserved(booking_id=booking.id, resources=held), booking.correlation_id)


def _day_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = moment.astimezone(tz).date()
    return (
        datetime.combine(day, time(0), tz).astimezone(UTC),
        datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC),
    )


def assign_therapist(session: Session, booking_id: str, tz: ZoneInfo) -> None:
    """Saga step 2: hold a qualified, working, free therapist and confirm; else release and reject."""
    booking = repository.get(session, booking_id)
    if booking is None or not booking.awaiting_therapist:
        return
    treatment = repository.treatment(session, booking.treatment)
    if treatment is None:
        _reject(session, booking, None, "this treatment is no longer offered", tz)
        return
    taken = _taken_around(session, treatment, booking.start)
    load = repository.confirmed_per_therapist(session, *_day_bounds(booking.start, tz))
    span = claim_cells(treatment, "therapist", booking.start)
    therapists = repository.therapists(session)
    for candidate in free_therapists(treatment, therapists, taken, booking.start, tz, load):
        if repository.try_claim(session, booking.id, "therapist", candidate.code, span):
            booking.confirm(candidate.code)
            repository.save(session, booking)
            names = {r.code: r.name for r in repository.resources(session)}
            outbox.add(
                session,
                BookingConfirmed(
                    booking_id=booking.id,
                    booking_version=booking.version,
                    treatment=treatment.slug,
                    treatment_name=treatment.name,
                    duration_minutes=treatment.duration_minutes,
                    start=booking.start,
                    end=booking.end,
                    timezone=tz.key,
                    location=candidate.location,
                    resources=booking.resources,
                    resource_names={kind: names.get(code, code) for kind, code in booking.resources.items()},
                    therapist_code=candidate.code,
                    therapist_name=candidate.name,
                    therapist_email=candidate.email,
                    client=ClientContact(**asdict(booking.client)),
                ),
                booking.correlation_id,
            )
            return
    skills = " and ".join(s.replace("_", " ") for s in treatment.required_skills)
    _reject(session, booking, treatment, f"no therapist qualified in {skills} is free at {_when(booking, tz)}", tz)


def on_booking_requested(session: Session, event: Envelope, tz: ZoneInfo) -> None:
    reserve_resources(session, event.open(BookingRequested).booking_id, tz)


def on_resources_reserved(session: Session, event: Envelope, tz: ZoneInfo) -> None:
    assign_therapist(session, event.open(ResourcesReserved).booking_id, tz)


def drive_stale(session: Session, older_than: datetime, tz: ZoneInfo) -> int:
    """Move on every booking a lost message left pending: run the step it is waiting for."""
    ids = repository.stale_pending(session, older_than)
    for booking_id in ids:
        reserve_resources(session, booking_id, tz)
        assign_therapist(session, booking_id, tz)
    return len(ids)


# ---- availability -------------------------------------------------------------------------------


def availability(session: Session, slug: str, day: date, rules: BookingRules, now: datetime) -> list[datetime]:
    treatment = repository.treatment(session, slug)
    if treatment is None or not treatment.active:
        known = ", ".join(repository.treatment_slugs(session)) or "none yet"
        raise InvalidRequest(f"unknown treatment {slug!r}; known treatments: {known}")
    start, end = _day_bounds(datetime.combine(day, time(12), rules.tz), rules.tz)
    reach = (treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])) // CELL_MINUTES
    taken = repository.taken_cells(session, cell_of(start) - reach, cell_of(end) + reach)
    return available_starts(
        treatment, rules, day, now, repository.resources(session), repository.therapists(session), taken
    )


# ---- the catalog copy ---------------------------------------------------------------------------


def on_treatment_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.treatment_copy, "slug", event.open(TreatmentPublished).model_dump())


def on_resource_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.resource_copy, "code", event.open(ResourcePublished).model_dump())


def on_therapist_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.therapist_copy, "code", event.open(TherapistPublished).model_dump())
