"""Booking use cases and the booking saga.

The saga runs in workers, one step per event, each step in one transaction with the events it causes:
  booking.requested          -> reserve_resources: hold a room (and a cupping kit where needed)
  booking.resources_reserved -> assign_therapist: hold a qualified therapist, confirm
A step that cannot get what it needs releases every claim of the booking and rejects it with a
reason a person can read. Each step checks the booking's state first, so a repeated step is a no-op.
Cancel, reschedule, complete and no-show run in the API's transaction and emit their events the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.booking.adapters import orm, repository
from services.booking.adapters.orm import outbox
from services.booking.domain.allocation import available_starts, free_resources, free_therapists
from services.booking.domain.calendar import CELL_MINUTES, BookingRules, Claims, cell_of, claim_cells
from services.booking.domain.catalog import KIND_NAMES, THERAPIST, TreatmentSpec, resource_kind
from services.booking.domain.exceptions import (
    AlreadyRequested,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    SlotUnavailable,
)
from services.booking.domain.model import Booking, Client, Status
from shared.db import SessionFactory, transaction
from shared.events import (
    BookingCancelled,
    BookingClosed,
    BookingConfirmed,
    BookingRejected,
    BookingRequested,
    BookingRescheduled,
    ClientContact,
    Envelope,
    LocationPublished,
    ResourcePublished,
    ResourcesReserved,
    TherapistPublished,
    TreatmentPublished,
)
from shared.replica import upsert_by_revision

log = logging.getLogger(__name__)




@dataclass(frozen=True)
class BookingRequest:
    treatment: str
    start: datetime
    client: Client
    correlation_id: str
    therapist: str | None = None  # None: any qualified therapist
    location: str | None = None  # None: the clinic's only location
    short_reminder: bool = False


def location_rules(session: Session, code: str | None, defaults: BookingRules) -> BookingRules:
    """A location's rules from the catalog; `defaults` (settings) where the catalog says nothing."""
    known = repository.locations(session)
    if code is None and len(known) > 1:
        raise InvalidRequest(f"choose a location: {', '.join(sorted(loc.code for loc in known))}")
    row = next((loc for loc in known if loc.code == code), None) if code else (known[0] if known else None)
    if row is None:
        if code is not None and known:
            raise InvalidRequest(f"unknown location {code!r}; known: {', '.join(sorted(loc.code for loc in known))}")
        return replace(defaults, location=code or defaults.location)
    return BookingRules(
        tz=ZoneInfo(row.timezone) if row.timezone else defaults.tz,
        grid_minutes=row.grid_minutes,
        min_notice=timedelta(minutes=row.min_notice_minutes),
        max_advance=timedelta(days=row.max_advance_days),
        location=row.code,
        opening_hours=row.opening_hours,
    )


def _check_open(rules: BookingRules, treatment: TreatmentSpec, start: datetime) -> None:
    if not rules.open_during(start, start + timedelta(minutes=treatment.duration_minutes)):
        local = start.astimezone(rules.tz).strftime("%H:%M on %A")
        raise InvalidRequest(
            f"location {rules.location!r} is closed at {local} for a {treatment.duration_minutes}-minute visit"
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _treatment(session: Session, slug: str) -> TreatmentSpec:
    treatment = repository.treatment(session, slug)
    if treatment is None or not treatment.active:
        known = ", ".join(repository.treatment_slugs(session)) or "none yet"
        raise InvalidRequest(f"unknown treatment {slug!r}; known treatments: {known}")
    return treatment


def request_booking(
    session: Session,
    request: BookingRequest,
    defaults: BookingRules,
    now: datetime,
    idempotency: tuple[str, str] | None = None,
) -> tuple[Booking, str]:
    """Store a pending booking and announce it; returns the booking and its access token (shown once).

    With `idempotency` (the client's key, a fingerprint of its request) a concurrent twin that got
    there first raises AlreadyRequested; `replay` then answers with the twin's booking."""
    treatment = _treatment(session, request.treatment)
    rules = location_rules(session, request.location, defaults)
    problem = rules.problem_with(request.start, now)
    if problem:
        raise InvalidRequest(problem)
    _check_open(rules, treatment, request.start)
    if request.therapist is not None:
        therapist = next((t for t in repository.therapists(session) if t.code == request.therapist), None)
        if therapist is None or not therapist.qualified_for(treatment):
            raise InvalidRequest(f"therapist {request.therapist!r} does not offer {treatment.name}")
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
        requested_therapist=request.therapist,
        location=rules.location,
        short_reminder=request.short_reminder,
    )
    if not repository.add(session, booking, idempotency):
        raise AlreadyRequested("a request with this Idempotency-Key made a booking already")
    outbox.add(
        session,
        BookingRequested(booking_id=booking.id, treatment=booking.treatment, start=booking.start, end=booking.end),
        booking.correlation_id,
    )
    return booking, token


def replay(session: Session, key: str, fingerprint: str) -> tuple[Booking, str] | None:
    """The booking an earlier request with this key made, with a fresh token (the client lost the first
    answer, so the old token is replaced); None for a new key. A key reused for another request is refused."""
    found = repository.by_idempotency_key(session, key)
    if found is None:
        return None
    booking, earlier = found
    if earlier != fingerprint:
        raise InvalidRequest("this Idempotency-Key was used for a different booking request")
    token = secrets.token_urlsafe(32)
    booking.token_hash = hash_token(token)
    repository.save(session, booking)
    return booking, token


def get_booking(session: Session, booking_id: str, token: str | None, lock: bool = False) -> Booking:
    """The booking if `token` is its token; staff pass None after their key was checked. `lock` before
    changing it."""
    booking = repository.get(session, booking_id, lock)
    if booking is None or (token is not None and not hmac.compare_digest(booking.token_hash, hash_token(token))):
        raise NotFound("no booking with this id and token")
    return booking


# ---- holding resources --------------------------------------------------------------------------


def _taken_around(session: Session, treatment: TreatmentSpec, start: datetime, own: Claims) -> Claims:
    """Claims near the slot, less the booking's own (a reschedule may overlap its old slot)."""
    longest = treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])
    taken = repository.taken_cells(session, cell_of(start) - 1, cell_of(start) + longest // CELL_MINUTES + 1)
    return taken - own


def _claim(session: Session, booking_id: str, kind: str, code: str, span: range, own: Claims) -> bool:
    """Insert the cells the booking does not hold yet; the database refuses any another booking holds."""
    return repository.try_claim(session, booking_id, kind, code, [c for c in span if (kind, code, c) not in own])


def _hold_resources(
    session: Session,
    booking_id: str,
    treatment: TreatmentSpec,
    start: datetime,
    own: Claims,
    prefer: dict[str, str],
    location: str,
) -> dict[str, str] | str:
    """Hold as many free resources of each kind as the treatment needs (preferring those in `prefer`),
    or say what is missing. The n-th unit of a kind is held under `kind#n` (n > 1): a treatment that
    needs two rooms holds `room` and `room#2`."""
    taken = _taken_around(session, treatment, start, own)
    resources = repository.resources(session)
    held: dict[str, str] = {}
    for kind, count in sorted(treatment.required_resources.items()):
        span = claim_cells(treatment, kind, start)
        candidates = free_resources(treatment, kind, resources, taken, start, location)
        preferred = {code for key, code in prefer.items() if resource_kind(key) == kind}
        candidates.sort(key=lambda r, p=preferred: r.code not in p)
        codes: list[str] = []
        for candidate in candidates:
            if len(codes) == count:
                break
            if _claim(session, booking_id, kind, candidate.code, span, own):
                codes.append(candidate.code)
        if len(codes) < count:
            missing = KIND_NAMES.get(kind, kind) if count == 1 else f"{count} {KIND_NAMES.get(kind, kind)}s"
            return f"no {missing} free" if count > 1 else f"no {missing} is free"
        held.update({kind if n == 1 else f"{kind}#{n}": code for n, code in enumerate(codes, start=1)})
    return held


def _hold_therapist(
    session: Session,
    booking: Booking,
    treatment: TreatmentSpec,
    start: datetime,
    rules: BookingRules,
    own: Claims,
    prefer: str | None,
) -> str | None:
    """Hold a qualified therapist who works then and is free; returns the code, or None."""
    taken = _taken_around(session, treatment, start, own)
    load = repository.confirmed_per_therapist(session, *_day_bounds(start, rules.tz))
    span = claim_cells(treatment, THERAPIST, start)
    therapists = repository.therapists(session)
    candidates = free_therapists(treatment, therapists, taken, start, rules.tz, load, rules.location)
    if booking.requested_therapist:
        candidates = [t for t in candidates if t.code == booking.requested_therapist]
    candidates.sort(key=lambda t: t.code != prefer)
    for candidate in candidates:
        if _claim(session, booking.id, THERAPIST, candidate.code, span, own):
            return candidate.code
    return None


def _no_therapist_reason(session: Session, booking: Booking, treatment: TreatmentSpec) -> str:
    if booking.requested_therapist:
        names = {t.code: t.name for t in repository.therapists(session)}
        return f"{names.get(booking.requested_therapist, booking.requested_therapist)} is not free"
    skills = " and ".join(s.replace("_", " ") for s in treatment.required_skills)
    return f"no therapist qualified in {skills} is free"


def _day_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = moment.astimezone(tz).date()
    return (
        datetime.combine(day, time(0), tz).astimezone(UTC),
        datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC),
    )


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M on %d %b %Y")


# ---- the saga -----------------------------------------------------------------------------------


def _reject(
    session: Session, booking: Booking, treatment: TreatmentSpec | None, reason: str, rules: BookingRules
) -> None:
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
            timezone=rules.tz.key,
            reason=reason,
            client=ClientContact(**asdict(booking.client)),
            location=booking.location,
        ),
        booking.correlation_id,
    )


def _step_ready(
    session: Session, booking_id: str, defaults: BookingRules, waiting: Callable[[Booking], bool]
) -> tuple[Booking, TreatmentSpec, BookingRules] | None:
    """The booking, its treatment and rules when it waits for this saga step; None (a repeat) otherwise.
    A treatment withdrawn meanwhile rejects the booking."""
    booking = repository.get(session, booking_id, lock=True)
    if booking is None or not waiting(booking):
        return None
    try:
        rules = location_rules(session, booking.location, defaults)
    except InvalidRequest:
        _reject(
            session,
            booking,
            None,
            "this location no longer takes bookings",
            replace(defaults, location=booking.location),
        )
        return None
    treatment = repository.treatment(session, booking.treatment)
    if treatment is None or not treatment.active:
        _reject(session, booking, treatment, "this treatment is no longer offered", rules)
        return None
    return booking, treatment, rules


def reserve_resources(session: Session, booking_id: str, defaults: BookingRules) -> None:
    """Saga step 1: hold a free resource of every kind the treatment needs, or reject."""
    ready = _step_ready(session, booking_id, defaults, lambda b: b.awaiting_resources)
    if ready is None:
        return
    booking, treatment, rules = ready
    held = _hold_resources(session, booking.id, treatment, booking.start, set(), {}, rules.location)
    if isinstance(held, str):
        _reject(session, booking, treatment, f"{held} at {_when(booking.start, rules.tz)}", rules)
        return
    booking.hold(held)
    repository.save(session, booking)
    outbox.add(session, ResourcesReserved(booking_id=booking.id, resources=held), booking.correlation_id)


def assign_therapist(session: Session, booking_id: str, defaults: BookingRules) -> None:
    """Saga step 2: hold a qualified, working, free therapist and confirm; else release and reject."""
    ready = _step_ready(session, booking_id, defaults, lambda b: b.awaiting_therapist)
    if ready is None:
        return
    booking, treatment, rules = ready
    therapist = _hold_therapist(session, booking, treatment, booking.start, rules, set(), None)
    if therapist is None:
        reason = f"{_no_therapist_reason(session, booking, treatment)} at {_when(booking.start, rules.tz)}"
        _reject(session, booking, treatment, reason, rules)
        return
    booking.confirm(therapist)
    repository.save(session, booking)
    facts = _slot_facts(session, booking, treatment, rules)
    outbox.add(session, BookingConfirmed(**facts), booking.correlation_id)


def _slot_facts(session: Session, booking: Booking, treatment: TreatmentSpec, rules: BookingRules) -> dict[str, object]:
    """What a confirmation or reschedule announces: everything an email about the visit needs."""
    therapist = next(t for t in repository.therapists(session) if t.code == booking.therapist)
    names = {r.code: r.name for r in repository.resources(session)}
    return {
        "booking_id": booking.id,
        "booking_version": booking.version,
        "treatment": treatment.slug,
        "treatment_name": treatment.name,
        "duration_minutes": treatment.duration_minutes,
        "start": booking.start,
        "end": booking.end,
        "timezone": rules.tz.key,
        "location": booking.location,
        "resources": booking.resources,
        "resource_names": {kind: names.get(code, code) for kind, code in booking.resources.items()},
        "therapist_code": therapist.code,
        "therapist_name": therapist.name,
        "therapist_email": therapist.email,
        "client": ClientContact(**asdict(booking.client)),
        "short_reminder": booking.short_reminder,
    }


def on_booking_requested(session: Session, event: Envelope, defaults: BookingRules) -> None:
    reserve_resources(session, event.open(BookingRequested).booking_id, defaults)


def on_resources_reserved(session: Session, event: Envelope, defaults: BookingRules) -> None:
    assign_therapist(session, event.open(ResourcesReserved).booking_id, defaults)


def drive_stale(factory: SessionFactory, older_than: datetime, defaults: BookingRules) -> int:
    """Move on every booking a lost message left pending, each in its own transaction, so one that
    fails (and is logged) does not hold back the others; returns how many were settled."""
    with transaction(factory) as session:
        ids = repository.stale_pending(session, older_than)
    settled = 0
    for booking_id in ids:
        try:
            for step in (reserve_resources, assign_therapist):
                with transaction(factory) as session:
                    step(session, booking_id, defaults)
            settled += 1
        except Exception:
            log.exception("could not settle pending booking %s", booking_id)
    return settled


# ---- after confirmation -------------------------------------------------------------------------


def reschedule(session: Session, booking: Booking, new_start: datetime, defaults: BookingRules, now: datetime) -> None:
    """Move a confirmed booking atomically: the new slot's room, kit and therapist are held before the
    old ones are released, in one transaction; if any cannot be had, SlotUnavailable leaves the booking
    (and the transaction, which the caller rolls back) untouched."""
    if booking.status is not Status.CONFIRMED:
        raise IllegalTransition(f"only a confirmed booking can be rescheduled, this one is {booking.status.value}")
    rules = location_rules(session, booking.location, defaults)
    problem = rules.problem_with(new_start, now)
    if problem:
        raise InvalidRequest(problem)
    treatment = _treatment(session, booking.treatment)
    new_start = new_start.astimezone(UTC)
    previous_start = booking.start
    own = repository.claims_of(session, booking.id)
    _check_open(rules, treatment, new_start)
    held = _hold_resources(session, booking.id, treatment, new_start, own, booking.resources, rules.location)
    if isinstance(held, str):
        raise SlotUnavailable(f"{held} at {_when(new_start, rules.tz)}; your booking keeps its time")
    therapist = _hold_therapist(session, booking, treatment, new_start, rules, own, booking.therapist)
    if therapist is None:
        reason = _no_therapist_reason(session, booking, treatment)
        raise SlotUnavailable(f"{reason} at {_when(new_start, rules.tz)}; your booking keeps its time")
    booking.move_to(new_start, new_start + timedelta(minutes=treatment.duration_minutes), held, therapist)
    kept = {(resource_kind(k), c, cell) for k, c in [*held.items(), (THERAPIST, therapist)]
            for cell in claim_cells(treatment, resource_kind(k), new_start)}  # fmt: skip
    repository.release_cells(session, booking.id, own - kept)
    repository.save(session, booking)
    facts = _slot_facts(session, booking, treatment, rules)
    outbox.add(session, BookingRescheduled(previous_start=previous_start, **facts), booking.correlation_id)


def cancel(
    session: Session, booking: Booking, now: datetime, free_until: timedelta, defaults: BookingRules, by_clinic: bool
) -> None:
    therapist = booking.therapist
    booking.cancel(now, free_until, by_clinic)
    repository.release_claims(session, booking.id)
    repository.save(session, booking)
    treatment = repository.treatment(session, booking.treatment)
    outbox.add(
        session,
        BookingCancelled(
            booking_id=booking.id,
            booking_version=booking.version,
            treatment=booking.treatment,
            treatment_name=treatment.name if treatment else booking.treatment,
            start=booking.start,
            timezone=location_rules(session, booking.location, defaults).tz.key,
            by_clinic=by_clinic,
            late=bool(booking.late_cancellation),
            therapist_code=therapist,
            client=ClientContact(**asdict(booking.client)),
            free_cancellation_hours=int(free_until.total_seconds() // 3600),
        ),
        booking.correlation_id,
    )


def close(session: Session, booking: Booking, outcome: str, now: datetime) -> None:
    """Staff record how the visit went: `completed` or `no_show`."""
    if outcome == "completed":
        booking.complete(now)
    else:
        booking.mark_no_show(now)
    repository.save(session, booking)
    outbox.add(
        session,
        BookingClosed(booking_id=booking.id, booking_version=booking.version, outcome=booking.status.value),
        booking.correlation_id,
    )


def resource_day(session: Session, kind: str, code: str, day: date, defaults: BookingRules) -> list[Booking]:
    """Bookings holding one therapist, room or kit on a local day of its location (staff view)."""
    where = [t.location for t in repository.therapists(session) if kind == THERAPIST and t.code == code]
    where += [r.location for r in repository.resources(session) if r.kind == kind and r.code == code]
    if not where:
        raise NotFound(f"no {KIND_NAMES.get(kind, kind)} {code!r}")
    tz = location_rules(session, where[0], defaults).tz
    start, end = _day_bounds(datetime.combine(day, time(12), tz), tz)
    return repository.bookings_holding(session, kind, code, cell_of(start), cell_of(end) - 1)


# ---- availability -------------------------------------------------------------------------------


MAX_AVAILABILITY_DAYS = 14


def availability(
    session: Session,
    slug: str,
    first_day: date,
    defaults: BookingRules,
    now: datetime,
    days: int = 1,
    therapist: str | None = None,
    location: str | None = None,
) -> list[datetime]:
    """Starts over `days` local days at which a booking would be confirmed now; one read of the claims."""
    if not 1 <= days <= MAX_AVAILABILITY_DAYS:
        raise InvalidRequest(f"days must be between 1 and {MAX_AVAILABILITY_DAYS}")
    treatment = _treatment(session, slug)
    rules = location_rules(session, location, defaults)
    start, _ = _day_bounds(datetime.combine(first_day, time(12), rules.tz), rules.tz)
    _, end = _day_bounds(datetime.combine(first_day + timedelta(days=days - 1), time(12), rules.tz), rules.tz)
    reach = (treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])) // CELL_MINUTES
    taken = repository.taken_cells(session, cell_of(start) - reach, cell_of(end) + reach)
    therapists = [t for t in repository.therapists(session) if therapist is None or t.code == therapist]
    resources = repository.resources(session)
    return [
        slot
        for offset in range(days)
        for slot in available_starts(
            treatment, rules, first_day + timedelta(days=offset), now, resources, therapists, taken
        )
    ]


# ---- the catalog copy ---------------------------------------------------------------------------


def on_treatment_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.treatment_copy, "slug", event.open(TreatmentPublished).model_dump(mode="json"))


def on_resource_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.resource_copy, "code", event.open(ResourcePublished).model_dump(mode="json"))


def on_location_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.location_copy, "code", event.open(LocationPublished).model_dump(mode="json"))


def on_therapist_published(session: Session, event: Envelope) -> None:
    upsert_by_revision(session, orm.therapist_copy, "code", event.open(TherapistPublished).model_dump(mode="json"))


def display_names(session: Session) -> dict[str, str]:
    """Code -> name of every therapist, room and kit, for answers a person reads."""
    return {
        **{r.code: r.name for r in repository.resources(session)},
        **{t.code: t.name for t in repository.therapists(session)},
    }


# ---- for ops ------------------------------------------------------------------------------------


def gauges(session: Session) -> dict[str, tuple[str, list[str], list[tuple[list[str], float]]]]:
    """Bookings by status, and how long the oldest pending one has waited (it should be seconds)."""
    by_status = repository.count_by_status(session)
    oldest = repository.oldest_pending(session)
    waited = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    return {
        "clinic_bookings": ("bookings by status", ["status"], [([status], n) for status, n in by_status.items()]),
        "clinic_oldest_pending_seconds": ("how long the oldest pending booking has waited", [], [([], waited)]),
    }
