"""What clients and staff do to a booking: ask for one, read it, cancel, reschedule, close it, and see a
resource's day. Each runs in the API's transaction and announces its event in it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.calendar import BookingRules, cell_of
from services.booking.domain.catalog import KIND_NAMES, THERAPIST
from services.booking.domain.exceptions import (
    AlreadyRequested,
    IllegalTransition,
    InvalidRequest,
    LinkExpired,
    NotFound,
    SlotUnavailable,
)
from services.booking.domain.model import Booking, Client, Status
from services.booking.service_layer import intake
from services.booking.service_layer.catalog_copy import (
    booked_rules,
    check_open,
    is_retired,
    location_rules,
    offered_treatment,
)
from services.booking.service_layer.holding import (
    Placement,
    day_bounds,
    held_claims,
    hold_resources,
    hold_therapist,
    no_therapist_reason,
    slot_facts,
    when,
)
from shared import links
from shared.events import BookingCancelled, BookingClosed, BookingRequested, BookingRescheduled, ClientContact


@dataclass(frozen=True)
class BookingRequest:
    treatment: str
    start: datetime
    client: Client
    correlation_id: str
    therapist: str | None = None  # None: any qualified therapist
    location: str | None = None  # None: the clinic's only location
    short_reminder: bool = False
    answers: Mapping[str, str] = field(default_factory=dict)  # intake question code -> answer


@dataclass(frozen=True)
class CancellationPolicy:
    """The clinic's booking rules, and until how long before the visit a client cancels for free."""

    rules: BookingRules
    free_until: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class LinkAccess:
    """What a self-service link's token is checked with: the secret it was signed with, and now."""

    secret: str  # empty: links are not configured, and no link token opens anything
    now: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_booking(
    repository: AbstractRepository,
    request: BookingRequest,
    defaults: BookingRules,
    now: datetime,
    idempotency: tuple[str, str] | None = None,
) -> tuple[Booking, str]:
    """Store a pending booking and announce it; returns the booking and its access token (shown once).
    Intake answers are screened first: a `refer` answer raises Referred and nothing is stored.

    With `idempotency` (the client's key, a fingerprint of its request) a concurrent twin that got
    there first raises AlreadyRequested; `replay` then answers with the twin's booking."""
    treatment = offered_treatment(repository, request.treatment)
    screening = intake.screen_request(repository, treatment, request.answers, request.client.locale)
    rules = location_rules(repository, request.location, defaults)
    problem = rules.problem_with(request.start, now)
    if problem:
        raise InvalidRequest(problem, field="start")
    check_open(rules, treatment, request.start)
    if request.therapist is not None:
        therapist = next((t for t in repository.therapists() if t.code == request.therapist), None)
        if therapist is None or not therapist.qualified_for(treatment):
            raise InvalidRequest(f"therapist {request.therapist!r} does not offer {treatment.name}", field="therapist")
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
        screening=screening.outcome if screening else None,
        questionnaire_version=screening.version if screening else None,
    )
    if not repository.add(booking, idempotency):
        raise AlreadyRequested("a request with this Idempotency-Key made a booking already")
    if screening:
        repository.keep_answers(booking.id, screening)
    repository.announce(
        BookingRequested(booking_id=booking.id, treatment=booking.treatment, start=booking.start, end=booking.end),
        booking.correlation_id,
    )
    return booking, token


def replay(repository: AbstractRepository, key: str, fingerprint: str) -> tuple[Booking, str] | None:
    """The booking an earlier request with this key made, with a fresh token; None for a new key. Every
    token handed out for it keeps working (twins racing each get one, and any answer may be the one that
    reached the client). A key reused for another request is refused."""
    found = repository.by_idempotency_key(key)
    if found is None:
        return None
    booking, earlier = found
    if not hmac.compare_digest(earlier or "", fingerprint):
        raise InvalidRequest("this Idempotency-Key was used for a different booking request")
    token = secrets.token_urlsafe(32)
    repository.keep_token(booking.id, hash_token(token))
    return booking, token


def get_booking(repository: AbstractRepository, booking_id: str, token: str | None, lock: bool = False) -> Booking:
    """The booking if `token` is its token; staff pass None after their key was checked. `lock` before
    changing it."""
    booking = repository.get(booking_id, lock)
    if booking is None or (token is not None and not _opens(repository, booking, hash_token(token))):
        raise NotFound("no booking with this id and token")
    return booking


def _opens(repository: AbstractRepository, booking: Booking, digest: str) -> bool:
    """Whether a token with this hash is the booking's first or one an Idempotency-Key replay handed out."""
    return hmac.compare_digest(booking.token_hash, digest) or repository.has_token(booking.id, digest)


def get_booking_for_client(  # five inputs: the booking, the key shown and what decides whether it fits
    repository: AbstractRepository, booking_id: str, token: str, access: LinkAccess, lock: bool = False
) -> Booking:
    """The booking for its own token (from POST /bookings), or for the token of a self-service link
    signed for this booking, until its visit has ended. Any other token is NotFound, as a wrong one."""
    if links.booking_of(token, access.secret) != booking_id:
        return get_booking(repository, booking_id, token, lock)
    booking = repository.get(booking_id, lock)
    if booking is None:
        raise NotFound("no booking with this id and token")
    if booking.end <= access.now:
        raise LinkExpired("this link stopped working when the visit ended")
    return booking


def reschedule(  # six inputs: the booking, where and when it goes, and the rules it is checked by
    repository: AbstractRepository,
    booking: Booking,
    new_start: datetime,
    defaults: BookingRules,
    now: datetime,
    location: str | None = None,
) -> None:
    """Move a confirmed booking atomically, to another open `location` if given: the new slot's room, kit
    and therapist are held before the old ones are released, in one transaction; if any cannot be had,
    SlotUnavailable leaves the booking (and the transaction, which the caller rolls back) untouched. A
    booking at a retired location can only be moved to an open one."""
    if booking.status is not Status.CONFIRMED:
        raise IllegalTransition(f"only a confirmed booking can be rescheduled, this one is {booking.status.value}")
    target = location or booking.location
    if target == booking.location and is_retired(repository, target):
        open_ = ", ".join(sorted(loc.code for loc in repository.locations())) or "none"
        raise InvalidRequest(
            f"location {target!r} is closed and takes no new visits; move the booking to an open one "
            f"with `location` ({open_}) or cancel it",
            field="location",
        )
    rules = location_rules(repository, target, defaults)
    problem = rules.problem_with(new_start, now)
    if problem:
        raise InvalidRequest(problem, field="start")
    treatment = offered_treatment(repository, booking.treatment)
    new_start = new_start.astimezone(UTC)
    previous_start = booking.start
    own = repository.claims_of(booking.id)
    check_open(rules, treatment, new_start)
    placement = Placement(booking, treatment, new_start, rules, own)
    held = hold_resources(repository, placement, prefer=booking.resources)
    if isinstance(held, str):
        raise SlotUnavailable(f"{held} at {when(new_start, rules.tz)}; your booking keeps its time")
    therapist = hold_therapist(repository, placement, prefer=booking.therapist)
    if therapist is None:
        reason = no_therapist_reason(repository, booking, treatment)
        raise SlotUnavailable(f"{reason} at {when(new_start, rules.tz)}; your booking keeps its time")
    end = new_start + timedelta(minutes=treatment.duration_minutes)
    booking.move_to(new_start, end, held, therapist, rules.location)
    repository.release_cells(booking.id, own - held_claims(treatment, new_start, held, therapist))
    repository.save(booking)
    facts = slot_facts(repository, booking, treatment, rules)
    repository.announce(BookingRescheduled(previous_start=previous_start, **facts), booking.correlation_id)


def cancel(  # six inputs: the booking, the moment, the rules, and who cancels with what reason
    repository: AbstractRepository,
    booking: Booking,
    now: datetime,
    policy: CancellationPolicy,
    by_clinic: bool,
    reason: str | None = None,
) -> None:
    """Cancel and free everything the booking holds; a client's cancellation inside the free window is late.
    Only the clinic gives a `reason` (told to the client); a client's is refused rather than dropped."""
    if reason is not None and not by_clinic:
        raise InvalidRequest("only staff give a reason when cancelling; send no body to cancel")
    therapist = booking.therapist
    booking.cancel(now, policy.free_until, by_clinic, reason)
    repository.release_claims(booking.id)
    repository.save(booking)
    treatment = repository.treatment(booking.treatment)
    repository.announce(
        BookingCancelled(
            booking_id=booking.id,
            booking_version=booking.version,
            treatment=booking.treatment,
            treatment_name=treatment.name if treatment else booking.treatment,
            start=booking.start,
            timezone=booked_rules(repository, booking.location, policy.rules).tz.key,
            by_clinic=by_clinic,
            late=bool(booking.late_cancellation),
            therapist_code=therapist,
            client=ClientContact(**asdict(booking.client)),
            free_cancellation_hours=int(policy.free_until.total_seconds() // 3600),
            reason=reason,  # the clinic's own words only, never the placeholder the booking keeps
        ),
        booking.correlation_id,
    )


def close(repository: AbstractRepository, booking: Booking, outcome: str, now: datetime) -> None:
    """Staff record how the visit went: `completed` or `no_show`."""
    if outcome == "completed":
        booking.complete(now)
    else:
        booking.mark_no_show(now)
    repository.save(booking)
    repository.announce(
        BookingClosed(booking_id=booking.id, booking_version=booking.version, outcome=booking.status.value),
        booking.correlation_id,
    )


def resource_day(
    repository: AbstractRepository, kind: str, code: str, day: date, defaults: BookingRules
) -> list[Booking]:
    """Bookings holding one therapist, room or kit on a local day of its location (staff view)."""
    where = [t.location for t in repository.therapists() if kind == THERAPIST and t.code == code]
    where += [r.location for r in repository.resources() if r.kind == kind and r.code == code]
    if not where:
        raise NotFound(f"no {KIND_NAMES.get(kind, kind)} {code!r}")
    tz = booked_rules(repository, where[0], defaults).tz  # its location may be retired: its bookings still show
    start, end = day_bounds(datetime.combine(day, time(12), tz), tz)
    return repository.bookings_holding(kind, code, cell_of(start), cell_of(end) - 1)
