"""Booking HTTP API: ask for a slot, read a booking with its token, see what is available."""

from __future__ import annotations

import hashlib
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import BackgroundTasks, Depends, FastAPI, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from services.booking.adapters.orm import outbox
from services.booking.bootstrap import database, read_session_factory, rules, session_factory
from services.booking.config import get_settings as settings
from services.booking.domain.exceptions import (
    AlreadyRequested,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    SlotUnavailable,
)
from services.booking.domain.model import Booking, Client
from services.booking.entrypoints.schemas import (
    Availability,
    BookingAccepted,
    BookingCreate,
    BookingPublic,
    DaySchedule,
    RescheduleRequest,
)
from services.booking.entrypoints.worker import publish
from services.booking.service_layer import handlers
from shared.http import correlation_id, install_common, is_staff_key, staff_only, unit_of_work
from shared.ops_endpoints import install_ops

app = FastAPI(title="Clinic booking", version="1.0", description="Book treatments; read a booking with its token.")
install_common(app)
install_ops(app, "booking", database, outbox, lambda: settings().redis_url, handlers.gauges)
StaffOnly = Depends(staff_only(lambda: settings().admin_api_key))
LocalDate = Annotated[
    date, Query(alias="date", ge=date(2000, 1, 1), le=date(2099, 12, 31), description="local date, YYYY-MM-DD")
]


SessionDep = Annotated[Session, Depends(unit_of_work(session_factory), scope="function")]
ReadSessionDep = Annotated[Session, Depends(unit_of_work(read_session_factory), scope="function")]


@app.exception_handler(InvalidRequest)
def _invalid(_request: Request, error: InvalidRequest) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": str(error)})


@app.exception_handler(NotFound)
def _not_found(_request: Request, error: NotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(error)})


@app.exception_handler(IllegalTransition)
@app.exception_handler(SlotUnavailable)
def _conflict(_request: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(error)})


def relay_now() -> None:
    """Publish right after the response; the scheduler's relay covers a failure here."""
    with suppress(Exception):  # the outbox keeps the event; the scheduled relay sends it
        outbox.relay(session_factory(), publish)


def _public(session: Session, booking: Booking) -> BookingPublic:
    """The booking as the client sees it, in its location's local time."""
    tz = handlers.location_rules(session, booking.location, rules()).tz
    names = handlers.display_names(session)
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
        version=booking.version,
    )


@app.post("/bookings", status_code=status.HTTP_202_ACCEPTED, response_model=BookingAccepted, tags=["bookings"])
def create_booking(
    body: BookingCreate,
    session: SessionDep,
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
        (idempotency_key, hashlib.sha256(body.model_dump_json().encode()).hexdigest()) if idempotency_key else None
    )
    if idempotency and (earlier := handlers.replay(session, *idempotency)):
        response.headers["Idempotent-Replayed"] = "true"
        return _accepted(*earlier)
    request = handlers.BookingRequest(
        treatment=body.treatment,
        start=body.start,
        client=Client(
            name=body.client.name, email=str(body.client.email), phone=body.client.phone, locale=body.client.locale
        ),
        correlation_id=correlation_id.get(),
        therapist=body.therapist,
        location=body.location,
        short_reminder=body.reminder_2h,
    )
    try:
        booking, token = handlers.request_booking(session, request, rules(), datetime.now(UTC), idempotency)
    except AlreadyRequested:  # a concurrent twin with the same key won the race
        assert idempotency is not None
        twin = handlers.replay(session, *idempotency)
        assert twin is not None
        response.headers["Idempotent-Replayed"] = "true"
        return _accepted(*twin)
    background.add_task(relay_now)
    return _accepted(booking, token)


def _accepted(booking: Booking, token: str) -> BookingAccepted:
    return BookingAccepted(id=booking.id, status=booking.status, token=token, links={"self": f"/bookings/{booking.id}"})


TokenHeader = Annotated[str | None, Header(description="The token from POST /bookings")]


def _authorised(
    session: Session, booking_id: str, token: str | None, api_key: str | None, lock: bool = False
) -> tuple[Booking, bool]:
    """The booking, for its token or the staff key, and whether staff asked; `lock` to change it."""
    if is_staff_key(api_key, settings().admin_api_key):
        return handlers.get_booking(session, booking_id, None, lock), True
    if not token:
        raise NotFound("this booking needs its token in the X-Booking-Token header")
    return handlers.get_booking(session, booking_id, token, lock), False


@app.get("/bookings/{booking_id}", response_model=BookingPublic, tags=["bookings"])
def read_booking(
    booking_id: str,
    session: ReadSessionDep,
    x_booking_token: TokenHeader = None,
    x_api_key: Annotated[str | None, Header(description="staff key, instead of the token")] = None,
) -> BookingPublic:
    booking, _ = _authorised(session, booking_id, x_booking_token, x_api_key)
    return _public(session, booking)


@app.post("/bookings/{booking_id}/cancel", response_model=BookingPublic, tags=["bookings"])
def cancel_booking(
    booking_id: str,
    session: SessionDep,
    background: BackgroundTasks,
    x_booking_token: TokenHeader = None,
    x_api_key: Annotated[str | None, Header(description="staff key: the clinic cancels")] = None,
) -> BookingPublic:
    """Cancel with the booking's token (free until BOOKING_FREE_CANCELLATION_HOURS before, later counts
    as late) or with the staff key (cancelled by the clinic). 409 when it can no longer be cancelled."""
    booking, by_clinic = _authorised(session, booking_id, x_booking_token, x_api_key, lock=True)
    free_until = timedelta(hours=settings().free_cancellation_hours)
    handlers.cancel(session, booking, datetime.now(UTC), free_until, rules(), by_clinic)
    background.add_task(relay_now)
    return _public(session, booking)


@app.post("/bookings/{booking_id}/reschedule", response_model=BookingPublic, tags=["bookings"])
def reschedule_booking(
    booking_id: str,
    body: RescheduleRequest,
    session: SessionDep,
    background: BackgroundTasks,
    x_booking_token: TokenHeader = None,
    x_api_key: Annotated[str | None, Header(description="staff key, instead of the token")] = None,
) -> BookingPublic:
    """Move a confirmed booking, atomically: 409 and nothing changed when the new slot cannot be had."""
    booking, _ = _authorised(session, booking_id, x_booking_token, x_api_key, lock=True)
    handlers.reschedule(session, booking, body.start, rules(), datetime.now(UTC))
    background.add_task(relay_now)
    return _public(session, booking)


@app.post("/bookings/{booking_id}/{outcome}", response_model=BookingPublic, tags=["staff"], dependencies=[StaffOnly])
def close_booking(
    booking_id: str, outcome: Literal["completed", "no-show"], session: SessionDep, background: BackgroundTasks
) -> BookingPublic:
    """Staff: record that the visit happened (`completed`) or the client did not come (`no-show`)."""
    booking = handlers.get_booking(session, booking_id, None, lock=True)
    handlers.close(session, booking, outcome.replace("-", "_"), datetime.now(UTC))
    background.add_task(relay_now)
    return _public(session, booking)


@app.get("/schedule/{kind}/{code}", response_model=DaySchedule, tags=["staff"], dependencies=[StaffOnly])
def day_schedule(
    kind: Literal["therapist", "room", "cupping_kit"],
    code: str,
    session: ReadSessionDep,
    date_: LocalDate,
) -> DaySchedule:
    """Staff: a therapist's, a room's or a cupping kit's day."""
    bookings = handlers.resource_day(session, kind, code, date_, rules())
    return DaySchedule(kind=kind, code=code, date=date_, bookings=[_public(session, b) for b in bookings])


@app.get("/availability", response_model=Availability, tags=["availability"])
def availability(
    session: ReadSessionDep,
    treatment: Annotated[str, Query(min_length=1, examples=["back-leg-cupping"])],
    date_: LocalDate,
    days: Annotated[int, Query(ge=1, le=14, description="how many days from `date`")] = 1,
    therapist: Annotated[str | None, Query(description="only this therapist's free times")] = None,
    location: Annotated[str | None, Query(description="only this location's rooms and therapists")] = None,
) -> Availability:
    """Start times at which a booking would be confirmed now, as ISO 8601 with the clinic's offset.

    Answered from the booking service's own data: no other service is called."""
    now = datetime.now(UTC)
    slots = handlers.availability(session, treatment, date_, rules(), now, days, therapist, location)
    tz = handlers.location_rules(session, location, rules()).tz
    return Availability(
        treatment=treatment, date=date_, days=days, timezone=tz.key, slots=[s.astimezone(tz) for s in slots]
    )
