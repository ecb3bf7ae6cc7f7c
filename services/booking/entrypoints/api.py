"""Booking HTTP API: ask for a slot, read a booking with its token, see what is available."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, Header, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from services.booking.adapters.orm import outbox
from services.booking.bootstrap import read_session_factory, rules, session_factory
from services.booking.domain.exceptions import IllegalTransition, InvalidRequest, NotFound
from services.booking.domain.model import Booking, Client
from services.booking.entrypoints.schemas import Availability, BookingAccepted, BookingCreate, BookingPublic
from services.booking.entrypoints.worker import publish
from services.booking.service_layer import handlers
from shared.http import correlation_id, install_common, unit_of_work

app = FastAPI(title="Clinic booking", version="1.0", description="Book treatments; read a booking with its token.")
install_common(app)


SessionDep = Annotated[Session, Depends(unit_of_work(session_factory), scope="function")]
ReadSessionDep = Annotated[Session, Depends(unit_of_work(read_session_factory), scope="function")]


@app.exception_handler(InvalidRequest)
def _invalid(_request: Request, error: InvalidRequest) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": str(error)})


@app.exception_handler(NotFound)
def _not_found(_request: Request, error: NotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(error)})


@app.exception_handler(IllegalTransition)
def _conflict(_request: Request, error: IllegalTransition) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(error)})


@app.exception_handler(RequestValidationError)
def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
    # Say which field is wrong and why, without echoing the input back (it may be personal data).
    problems = [
        {"field": ".".join(str(part) for part in e["loc"] if part != "body"), "problem": e["msg"]}
        for e in error.errors()
    ]
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return JSONResponse(status_code=422, content={"detail": summary, "errors": problems})


def relay_now() -> None:
    """Publish right after the response; the scheduler's relay covers a failure here."""
    with suppress(Exception):  # the outbox keeps the event; the scheduled relay sends it
        outbox.relay(session_factory(), publish)


def _public(booking: Booking) -> BookingPublic:
    return BookingPublic(
        id=booking.id,
        status=booking.status,
        treatment=booking.treatment,
        start=booking.start.astimezone(rules().tz),
        end=booking.end.astimezone(rules().tz),
        room=booking.resources.get("room"),
        cupping_kit=booking.resources.get("cupping_kit"),
        therapist=booking.therapist,
        reason=booking.reason,
    )


@app.post("/bookings", status_code=status.HTTP_202_ACCEPTED, response_model=BookingAccepted, tags=["bookings"])
def create_booking(body: BookingCreate, session: SessionDep, background: BackgroundTasks) -> BookingAccepted:
    """Ask for a slot. The booking is `pending` until workers confirm or reject it (poll GET)."""
    request = handlers.BookingRequest(
        treatment=body.treatment,
        start=body.start,
        client=Client(name=body.client.name.strip(), email=str(body.client.email), phone=body.client.phone),
        correlation_id=correlation_id.get(),
    )
    booking, token = handlers.request_booking(session, request, rules(), datetime.now(UTC))
    background.add_task(relay_now)
    return BookingAccepted(id=booking.id, status=booking.status, token=token, links={"self": f"/bookings/{booking.id}"})


@app.get("/bookings/{booking_id}", response_model=BookingPublic, tags=["bookings"])
def read_booking(
    booking_id: str,
    session: ReadSessionDep,
    x_booking_token: Annotated[str | None, Header(description="The token from POST /bookings")] = None,
    token: Annotated[str | None, Query(description="Alternative to the X-Booking-Token header")] = None,
) -> BookingPublic:
    supplied = x_booking_token or token
    if not supplied:
        raise NotFound("this booking needs its token (X-Booking-Token header or ?token=)")
    return _public(handlers.get_booking(session, booking_id, supplied))


@app.get("/availability", response_model=Availability, tags=["availability"])
def availability(
    session: ReadSessionDep,
    treatment: Annotated[str, Query(min_length=1, examples=["back-leg-cupping"])],
    date_: Annotated[date, Query(alias="date", description="local date, YYYY-MM-DD")],
) -> Availability:
    """Start times at which a booking would be confirmed now, as ISO 8601 with the clinic's offset."""
    slots = handlers.availability(session, treatment, date_, rules(), datetime.now(UTC))
    tz = rules().tz
    return Availability(treatment=treatment, date=date_, timezone=tz.key, slots=[s.astimezone(tz) for s in slots])
