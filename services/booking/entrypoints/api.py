"""Booking HTTP API: ask for a slot, read a booking with its token, see what is available.

`uvicorn services.booking.entrypoints.api:app`; tests build their own with `create_app(bootstrap(...))`."""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Header, Query, Request, Response, status

from services.booking.adapters.orm import audit, outbox
from services.booking.adapters.repository import AbstractRepository, SqlRepository
from services.booking.bootstrap import Wiring, bootstrap
from services.booking.domain.calendar import local_today
from services.booking.domain.exceptions import (
    AlreadyRequested,
    IllegalTransition,
    InvalidRequest,
    LinkExpired,
    NotFound,
    SlotUnavailable,
)
from services.booking.domain.model import Booking, Client, Status
from services.booking.domain.screening import Screening
from services.booking.entrypoints.schemas import (
    AnswerPublic,
    AnswersPublic,
    AnswersUpdate,
    Availability,
    BookingAccepted,
    BookingCreate,
    BookingPublic,
    CancelRequest,
    DayBookingPublic,
    DayRowPublic,
    DaySchedule,
    DayView,
    DeclineRequest,
    RescheduleRequest,
)
from services.booking.service_layer import availability as availability_
from services.booking.service_layer import changes, front_desk, gauges, intake
from services.booking.service_layer.calendar_file import calendar_file
from services.booking.service_layer.catalog_copy import booked_rules, display_names, location_rules
from shared.audit import audit_router
from shared.http import (
    PathCode,
    ReadSessionDep,
    SessionDep,
    correlation_id,
    in_write_turn,
    install_common,
)
from shared.ops_endpoints import install_ops
from shared.pagination import Paging
from shared.rate_limits import BookingBudget, BookingChanges, Budget, LimitAvailability
from shared.staff import MaybeStaffDep, Staff, StaffDep
from shared.text import ONE_LINE

LocalDate = Annotated[
    date, Query(alias="date", ge=date(2000, 1, 1), le=date(2099, 12, 31), description="local date, YYYY-MM-DD")
]
OptionalLocalDate = Annotated[
    date | None,
    Query(
        alias="date",
        ge=date(2000, 1, 1),
        le=date(2099, 12, 31),
        description="local date, YYYY-MM-DD; omit for today at the location",
    ),
]
router = APIRouter()


def create_app(wiring: Wiring | None = None) -> FastAPI:
    """The booking API on `wiring` (from the environment when not given); nothing connects until used."""
    wiring = wiring or bootstrap()
    app = FastAPI(title="Clinic booking", version="1.0", description="Book treatments; read a booking with its token.")
    app.state.wiring = wiring
    install_common(
        app,
        wiring.database,
        wiring.settings,
        errors={InvalidRequest: 422, NotFound: 404, IllegalTransition: 409, SlotUnavailable: 409, LinkExpired: 410},
        clock=wiring.clock,
    )
    install_ops(
        app,
        "booking",
        wiring.database,
        outbox,
        lambda: wiring.settings.redis_url,
        lambda session: gauges.gauges(SqlRepository(session, wiring.clock), wiring.clock.now()),
    )
    app.include_router(router)
    app.include_router(audit_router(audit))
    return app


def _wiring(request: Request) -> Wiring:
    return request.app.state.wiring


def _repository(request: Request, session: SessionDep) -> AbstractRepository:
    return SqlRepository(session, _wiring(request).clock)


def _read_repository(request: Request, session: ReadSessionDep) -> AbstractRepository:
    return SqlRepository(session, _wiring(request).clock)


WiringDep = Annotated[Wiring, Depends(_wiring)]
Repository = Annotated[AbstractRepository, Depends(_repository)]
ReadRepository = Annotated[AbstractRepository, Depends(_read_repository)]


@dataclass(frozen=True)
class Caller:
    """Who asks about a booking: its token, or staff (a staff token or the machine key, checked); the
    client's budget of changes to it, spent once the token is checked (none for staff, or for reads)."""

    token: str | None
    staff: Staff | None
    changes: Budget = field(default_factory=Budget)


def _caller(
    staff: MaybeStaffDep,
    x_booking_token: Annotated[
        str | None,
        Header(max_length=512, description="the token from POST /bookings, or the one in the email's link"),
        ONE_LINE,
    ] = None,
) -> Caller:
    return Caller(token=x_booking_token, staff=staff)


CallerDep = Annotated[Caller, Depends(_caller)]


def _changer(caller: CallerDep, budget: BookingChanges) -> Caller:
    return replace(caller, changes=budget)


ChangerDep = Annotated[Caller, Depends(_changer)]  # a caller changing a booking: its client is rate limited


def _audit(session: SessionDep, wiring: Wiring, who: Staff | None, action: str, target: str) -> None:
    """Record a staff action in the transaction of the change (clients acting with their token are not staff)."""
    if who is not None:
        audit.record(session, who, action, target, wiring.clock.now())


def _may_change(staff: Staff, booking: Booking) -> None:
    """Cancel, reschedule, close, change answers: front desk at the booking's location, and admins. A
    booking elsewhere is a 403, not a 404: staff ids come from the clinic's own pages, and saying why
    helps the desk more than hiding that a booking exists."""
    staff.require_role("front_desk")
    staff.require_location(booking.location)


def _may_see(staff: Staff, booking: Booking) -> None:
    """Read, read answers, approve or decline: front desk at its locations, a therapist their own visits."""
    missing = "only your own visits" if staff.role == "therapist" else f"location {booking.location!r}"
    staff.require(staff.sees_booking(booking.location, booking.therapist), missing)


async def relay_now(wiring: Wiring) -> None:
    """Publish right after the response, in a write turn like a request's (a burst of these must not
    take every thread); the scheduler's relay covers a failure here."""
    with suppress(Exception):  # the outbox keeps the event; the scheduled relay sends it
        factory = wiring.database.session_factory()
        # look_first=False: the request has just written events
        await in_write_turn(wiring.database, lambda: outbox.relay(factory, wiring.publish, look_first=False))


def _policy(wiring: Wiring) -> changes.CancellationPolicy:
    return changes.CancellationPolicy(wiring.rules, timedelta(hours=wiring.settings.free_cancellation_hours))


def _public(repository: AbstractRepository, booking: Booking, wiring: Wiring, client: bool = False) -> BookingPublic:
    """The booking as the client sees it, in its location's local time; `client` when a client asks
    (only their cancellation can be late)."""
    tz = booked_rules(repository, booking.location, wiring.rules).tz
    names = display_names(repository)
    free_until = _policy(wiring).free_until
    return BookingPublic(
        id=booking.id,
        status=booking.status,
        treatment=booking.treatment,
        location=booking.location,
        start=booking.start.astimezone(tz),
        end=booking.end.astimezone(tz),
        room=booking.resources.get("room"),
        cupping_kit=booking.resources.get("cupping_kit"),
        therapist=booking.therapist,
        therapist_name=names.get(booking.therapist or ""),
        room_name=names.get(booking.resources.get("room", "")),
        cupping_kit_name=names.get(booking.resources.get("cupping_kit", "")),
        requested_therapist=booking.requested_therapist,
        reason=booking.reason,
        late_cancellation=booking.late_cancellation,
        screening=booking.screening,
        questionnaire_version=booking.questionnaire_version,
        version=booking.version,
        free_cancellation_until=(booking.start - free_until).astimezone(tz),
        cancellation_would_be_late=booking.cancelling_is_late(wiring.clock.now(), free_until, by_clinic=not client),
        review_deadline=(
            (booking.start - timedelta(minutes=wiring.settings.review_deadline_minutes)).astimezone(tz)
            if booking.status is Status.NEEDS_REVIEW
            else None
        ),
    )


@router.post(
    "/bookings",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BookingAccepted,
    tags=["bookings"],
)
def create_booking(  # seven parameters: FastAPI fills each from one part of the request
    body: BookingCreate,
    budget: BookingBudget,
    repository: Repository,
    wiring: WiringDep,
    background: BackgroundTasks,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=100,
            description="any unique string per booking attempt: a retry with the same key returns the same "
            "booking (with a new token) instead of making a second one",
        ),
    ] = None,
) -> BookingAccepted:
    """Ask for a slot. The booking is `pending` until workers confirm or reject it (poll GET)."""
    idempotency = (
        # Health answers stay out of the fingerprint: a hash of a few yes/no answers is easily reversed.
        (idempotency_key, hashlib.sha256(body.model_dump_json(exclude={"answers"}).encode()).hexdigest())
        if idempotency_key
        else None
    )
    if idempotency and (earlier := changes.replay(repository, *idempotency)):
        response.headers["Idempotent-Replayed"] = "true"
        return _accepted(*earlier)
    request = changes.BookingRequest(
        treatment=body.treatment,
        start=body.start,
        client=Client(
            name=body.client.name, email=str(body.client.email), phone=body.client.phone, locale=body.client.locale
        ),
        correlation_id=correlation_id.get(),
        therapist=body.therapist,
        location=body.location,
        short_reminder=body.reminder_2h,
        answers=body.answers,
    )
    try:
        booking, token = changes.request_booking(repository, request, wiring.rules, wiring.clock.now(), idempotency)
        budget.spend()  # a new booking: over the client's limit, its transaction is rolled back
    except AlreadyRequested:  # a concurrent twin with the same key won the race
        assert idempotency is not None
        twin = changes.replay(repository, *idempotency)
        assert twin is not None
        response.headers["Idempotent-Replayed"] = "true"
        return _accepted(*twin)
    background.add_task(relay_now, wiring)
    return _accepted(booking, token)


def _accepted(booking: Booking, token: str) -> BookingAccepted:
    return BookingAccepted(id=booking.id, status=booking.status, token=token, links={"self": f"/bookings/{booking.id}"})


def _authorised(  # six inputs: the booking asked for, who asks, and what checks them
    repository: AbstractRepository,
    booking_id: PathCode,
    caller: Caller,
    wiring: Wiring,
    lock: bool = False,
    change: bool = False,
) -> Booking:
    """The booking, for its token, its email link's token or staff with the right to it (`change`: to
    change it, else to read it); `lock` to change it."""
    if caller.staff is not None:
        booking = changes.get_booking(repository, booking_id, None, lock)
        (_may_change if change else _may_see)(caller.staff, booking)
        return booking
    if not caller.token:
        raise NotFound("this booking needs its token in the X-Booking-Token header")
    access = changes.LinkAccess(wiring.settings.manage_link_secret.get_secret_value(), wiring.clock.now())
    booking = changes.get_booking_for_client(repository, booking_id, caller.token, access, lock)
    if change:
        caller.changes.spend()
    return booking


@router.get("/bookings/{booking_id}", response_model=BookingPublic, tags=["bookings"])
def read_booking(
    booking_id: PathCode, repository: ReadRepository, wiring: WiringDep, caller: CallerDep
) -> BookingPublic:
    booking = _authorised(repository, booking_id, caller, wiring)
    return _public(repository, booking, wiring, client=caller.staff is None)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingPublic, tags=["bookings"])
def cancel_booking(  # seven parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    caller: ChangerDep,
    body: CancelRequest | None = None,
) -> BookingPublic:
    """Cancel with the booking's token (free until BOOKING_FREE_CANCELLATION_HOURS before, later counts
    as late) or with the staff key (cancelled by the clinic, optionally with `{"reason": ...}` told to
    the client). 409 when it can no longer be cancelled."""
    booking = _authorised(repository, booking_id, caller, wiring, lock=True, change=True)
    reason = body.reason if body else None
    changes.cancel(repository, booking, wiring.clock.now(), _policy(wiring), caller.staff is not None, reason)
    _audit(session, wiring, caller.staff, "booking.cancel", booking.id)
    background.add_task(relay_now, wiring)
    return _public(repository, booking, wiring, client=caller.staff is None)


@router.post(
    "/bookings/{booking_id}/reschedule",
    response_model=BookingPublic,
    tags=["bookings"],
)
def reschedule_booking(  # seven parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    body: RescheduleRequest,
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    caller: ChangerDep,
) -> BookingPublic:
    """Move a confirmed booking, atomically: 409 and nothing changed when the new slot cannot be had."""
    booking = _authorised(repository, booking_id, caller, wiring, lock=True, change=True)
    if caller.staff is not None and body.location:
        caller.staff.require_location(body.location)  # the desk moves bookings only to its own locations too
    changes.reschedule(repository, booking, body.start, wiring.rules, wiring.clock.now(), body.location)
    _audit(session, wiring, caller.staff, "booking.reschedule", booking.id)
    background.add_task(relay_now, wiring)
    return _public(repository, booking, wiring, client=caller.staff is None)


@router.get(
    "/bookings/{booking_id}/calendar",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "one VEVENT: booking.ics"}},
    tags=["bookings"],
)
def booking_calendar(
    booking_id: PathCode, repository: ReadRepository, wiring: WiringDep, caller: CallerDep
) -> Response:
    """The confirmed visit as an iCalendar file (its token, its email link's token, or staff); 409 otherwise.
    Its UID is the one the emailed invitation has, so a calendar app keeps one entry."""
    booking = _authorised(repository, booking_id, caller, wiring)
    ics = calendar_file(repository, booking, wiring.rules, wiring.settings.calendar_domain, wiring.clock.now())
    return Response(
        content=ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="booking.ics"'},
    )


@router.get("/bookings/{booking_id}/answers", response_model=AnswersPublic, tags=["intake"])
def read_answers(
    booking_id: PathCode, repository: Repository, session: SessionDep, wiring: WiringDep, caller: CallerDep
) -> AnswersPublic:
    """The intake answers, for the booking's token or staff only; 404 once they are erased. A staff
    read is recorded in the audit trail (a write transaction, committed before the answers go out)."""
    booking = _authorised(repository, booking_id, caller, wiring)
    screening = repository.answers(booking.id)
    if screening is None:
        raise NotFound("no intake answers are kept for this booking")
    _audit(session, wiring, caller.staff, "answers.read", booking.id)
    return _answers(booking, screening)


@router.put("/bookings/{booking_id}/answers", response_model=AnswersPublic, tags=["intake"])
def update_answers(  # seven parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    body: AnswersUpdate,
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    caller: ChangerDep,
) -> AnswersPublic:
    """Answer again until the visit: `refer` is a 422 with advice and changes nothing; `review` puts a
    confirmed booking back into review and tells the therapist."""
    booking = _authorised(repository, booking_id, caller, wiring, lock=True, change=True)
    screening = intake.give_answers(repository, booking, body.answers, wiring.clock.now(), wiring.rules)
    _audit(session, wiring, caller.staff, "answers.update", booking.id)
    background.add_task(relay_now, wiring)
    return _answers(booking, screening)


@router.delete("/bookings/{booking_id}/answers", status_code=status.HTTP_204_NO_CONTENT, tags=["intake"])
def erase_answers(  # six parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    caller: CallerDep,
) -> None:
    """Erase the intake answers now (they go anyway BOOKING_ANSWERS_RETENTION_DAYS after the visit)."""
    booking = _authorised(repository, booking_id, caller, wiring, lock=True, change=True)
    if not intake.erase(repository, booking):
        raise NotFound("no intake answers are kept for this booking")
    _audit(session, wiring, caller.staff, "answers.erase", booking.id)
    background.add_task(relay_now, wiring)


def _answers(booking: Booking, screening: Screening) -> AnswersPublic:
    return AnswersPublic(
        booking_id=booking.id,
        questionnaire_version=screening.version,
        outcome=screening.outcome,
        advice=list(screening.advice),
        answered_at=screening.answered_at,
        answers=[AnswerPublic(**asdict(answer)) for answer in screening.answers],
    )


class Review(BookingPublic):
    client_name: str
    answers: AnswersPublic | None


@router.get("/reviews", response_model=list[Review], tags=["staff"])
def review_queue(  # six parameters: FastAPI fills each from one part of the request
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    staff: StaffDep,
    page: Paging,
    location: Annotated[str | None, Query(max_length=64, description="only this location")] = None,
) -> list[Review]:
    """Staff: bookings waiting for a therapist's look at their intake answers, soonest first: those
    the caller may see (front desk: its locations; a therapist: their own visits). Each one shown
    with answers is a read of them, recorded in the audit trail."""
    if location is not None and staff.role != "therapist":
        staff.require_location(location)
    reviews = []
    # A page of what the caller may see, before any answers are read (each read is audited).
    for b in page([b for b in repository.in_review(location) if staff.sees_booking(b.location, b.therapist)]):
        found = repository.answers(b.id)
        if found is not None:
            _audit(session, wiring, staff, "answers.read", b.id)
        reviews.append(
            Review(
                **_public(repository, b, wiring).model_dump(),
                client_name=b.client.name,
                answers=_answers(b, found) if found else None,
            )
        )
    return reviews


@router.post("/bookings/{booking_id}/approve", response_model=BookingPublic, tags=["staff"])
def approve_booking(  # six parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    staff: StaffDep,
) -> BookingPublic:
    """Staff: the answers were looked at; confirm the booking (the client gets their confirmation)."""
    booking = changes.get_booking(repository, booking_id, None, lock=True)
    _may_see(staff, booking)
    intake.approve(repository, booking, wiring.rules)
    _audit(session, wiring, staff, "booking.approve", booking.id)
    background.add_task(relay_now, wiring)
    return _public(repository, booking, wiring)


@router.post("/bookings/{booking_id}/decline", response_model=BookingPublic, tags=["staff"])
def decline_booking(  # seven parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    body: DeclineRequest,
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    staff: StaffDep,
) -> BookingPublic:
    """Staff: not this treatment for this client. Everything is released; the client is told `reason`
    and offered the questionnaire's alternative at free times."""
    booking = changes.get_booking(repository, booking_id, None, lock=True)
    _may_see(staff, booking)
    intake.decline(repository, booking, body.reason, wiring.rules)
    _audit(session, wiring, staff, "booking.decline", booking.id)
    background.add_task(relay_now, wiring)
    return _public(repository, booking, wiring)


@router.post("/bookings/{booking_id}/{outcome}", response_model=BookingPublic, tags=["staff"])
def close_booking(  # seven parameters: FastAPI fills each from one part of the request
    booking_id: PathCode,
    outcome: Literal["completed", "no-show"],
    repository: Repository,
    session: SessionDep,
    wiring: WiringDep,
    background: BackgroundTasks,
    staff: StaffDep,
) -> BookingPublic:
    """Staff: record that the visit happened (`completed`) or the client did not come (`no-show`)."""
    booking = changes.get_booking(repository, booking_id, None, lock=True)
    _may_change(staff, booking)
    changes.close(repository, booking, outcome.replace("-", "_"), wiring.clock.now())
    _audit(session, wiring, staff, f"booking.{outcome.replace('-', '_')}", booking.id)
    background.add_task(relay_now, wiring)
    return _public(repository, booking, wiring)


@router.get("/schedule/{kind}/{code}", response_model=DaySchedule, tags=["staff"])
def day_schedule(  # five parameters: FastAPI fills each from one part of the request
    kind: Literal["therapist", "room", "cupping_kit"],
    code: PathCode,
    repository: ReadRepository,
    wiring: WiringDep,
    staff: StaffDep,
    date_: LocalDate,
) -> DaySchedule:
    """Staff: a therapist's, a room's or a cupping kit's day: a therapist only their own; front desk
    sees the bookings at its locations."""
    if staff.role == "therapist":
        staff.require(kind == "therapist" and code == staff.therapist, "only your own schedule")
    bookings = changes.resource_day(repository, kind, code, date_, wiring.rules)
    public = [_public(repository, b, wiring) for b in bookings if staff.sees_booking(b.location, b.therapist)]
    return DaySchedule(kind=kind, code=code, date=date_, bookings=public)


@router.get("/day", response_model=DayView, tags=["staff"])
def location_day(
    repository: ReadRepository,
    wiring: WiringDep,
    staff: StaffDep,
    date_: OptionalLocalDate = None,
    location: Annotated[
        str | None,
        Query(max_length=64, description="omit when the clinic has one location (front desk: its first location)"),
    ] = None,
) -> DayView:
    """Staff (front desk at the location, admins): one location's day: every therapist working there,
    every room and kit, their bookings (not cancelled, declined or rejected) and how full each is.
    Minutes are real minutes."""
    staff.require_role("front_desk")
    if location is None and not staff.everywhere and staff.locations:
        location = staff.locations[0]  # the desk's own; never a day it may not see
    if location is not None:
        staff.require_location(location)
    elif not staff.everywhere:
        staff.require(False, "your account acts at no location")
    view = front_desk.location_day(repository, location, date_, wiring.rules, wiring.clock.now())
    tz = view.tz
    return DayView(
        date=view.day,
        location=view.location,
        timezone=tz.key,
        opens=view.opens.astimezone(tz) if view.opens else None,
        closes=view.closes.astimezone(tz) if view.closes else None,
        utilisation=view.utilisation,
        rows=[
            DayRowPublic(
                kind=row.kind,
                code=row.code,
                name=row.name,
                available_minutes=row.available_minutes,
                booked_minutes=row.booked_minutes,
                utilisation=row.utilisation,
                bookings=[
                    DayBookingPublic(**{**asdict(b), "start": b.start.astimezone(tz), "end": b.end.astimezone(tz)})
                    for b in row.bookings
                ],
            )
            for row in view.rows
        ],
    )


@router.get("/availability", response_model=Availability, tags=["availability"], dependencies=[LimitAvailability])
def availability(  # one parameter per query parameter, as FastAPI documents them
    repository: ReadRepository,
    wiring: WiringDep,
    treatment: Annotated[str, Query(min_length=1, max_length=64, examples=["back-leg-cupping"]), ONE_LINE],
    date_: OptionalLocalDate = None,
    days: Annotated[int, Query(ge=1, le=14, description="how many days from `date`")] = 1,
    therapist: Annotated[
        str | None, Query(max_length=64, description="only this therapist's free times"), ONE_LINE
    ] = None,
    location: Annotated[
        str | None, Query(max_length=64, description="only this location's rooms and therapists"), ONE_LINE
    ] = None,
) -> Availability:
    """Start times at which a booking would be confirmed now, as ISO 8601 with the clinic's offset.

    Answered from the booking service's own data: no other service is called. Without `date`, from
    today at the location (its time zone, by the service's clock); the answer's `date` says which day."""
    now = wiring.clock.now()
    tz = location_rules(repository, location, wiring.rules).tz
    first_day = date_ or local_today(now, tz)
    query = availability_.AvailabilityQuery(treatment, first_day, days, therapist, location)
    slots = availability_.availability(repository, query, wiring.rules, now)
    return Availability(
        treatment=treatment, date=first_day, days=days, timezone=tz.key, slots=[s.astimezone(tz) for s in slots]
    )


app = create_app()
