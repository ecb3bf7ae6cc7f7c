"""Notifications HTTP API (staff): what was sent to whom, previews of every message, resending.

`uvicorn services.notifications.entrypoints.api:app`"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import audit, outbox
from services.notifications.adapters.repository import SqlRepository
from services.notifications.bootstrap import Wiring, bootstrap
from services.notifications.domain.exceptions import AlreadyGoingOut, UnknownBooking, UnknownDelivery
from services.notifications.domain.messages import Kind
from services.notifications.service_layer import staff
from shared.audit import audit_router
from shared.http import ReadSessionDep, SessionDep, install_common
from shared.ops_endpoints import install_ops
from shared.pagination import Paging
from shared.staff import Staff, StaffDep
from shared.text import ONE_LINE

ERRORS: dict[type[Exception], int] = {
    UnknownBooking: status.HTTP_404_NOT_FOUND,
    UnknownDelivery: status.HTTP_404_NOT_FOUND,
    AlreadyGoingOut: status.HTTP_409_CONFLICT,
    staff.NotYourLocation: status.HTTP_403_FORBIDDEN,
}


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    booking_id: str
    kind: str
    recipient: str
    booking_version: int
    locale: str
    status: str
    attempts: int
    message_id: str
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class PreviewPublic(BaseModel):
    kind: Kind
    locale: str
    to: str
    subject: str
    text: str
    html: str
    attachments: list[str]


def _wiring(request: Request) -> Wiring:
    wiring: Wiring = request.app.state.wiring
    return wiring


def _front_desk(staff: StaffDep) -> Staff:
    """Deliveries, resending and previews are the front desk's (and admins'); therapists have none of it."""
    staff.require_role("front_desk")
    return staff


def _locations(who: Staff) -> staff.Locations:
    """Where the caller acts: None (everywhere) for admins and the machine, else the desk's own locations."""
    return None if who.everywhere else frozenset(who.locations)


router = APIRouter(dependencies=[Depends(_front_desk)])


@router.get("/deliveries", response_model=list[DeliveryPublic], tags=["deliveries"])
def list_deliveries(
    session: ReadSessionDep,
    page: Paging,
    who: StaffDep,
    booking_id: Annotated[str | None, Query(max_length=64), ONE_LINE] = None,
    x_recipient: Annotated[
        str | None,
        Header(max_length=320, description="an email address: a header, so it never lands in an access log"),
        ONE_LINE,
    ] = None,
) -> list[DeliveryPublic]:
    """The delivery log of one booking or one recipient (the front desk: of bookings at its locations)."""
    if not booking_id and not x_recipient:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give booking_id or an X-Recipient header")
    repo, where = SqlRepository(session), _locations(who)
    found = staff.deliveries(repo, booking_id=booking_id, recipient=x_recipient, locations=where)
    return page([DeliveryPublic.model_validate(delivery) for delivery in found])


@router.post("/deliveries/{delivery_id}/resend", response_model=DeliveryPublic, tags=["deliveries"])
def resend_delivery(
    delivery_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep, request: Request, who: StaffDep
) -> DeliveryPublic:
    """Send a message again (sent or failed ones); the scheduler's sweep sends it within seconds."""
    clock = _wiring(request).clock
    requeued = staff.resend(SqlRepository(session), delivery_id, clock, _locations(who))
    audit.record(session, who, "delivery.resend", str(delivery_id), clock.now())
    return DeliveryPublic.model_validate(requeued)


@router.get("/preview/{kind}", response_model=PreviewPublic, tags=["templates"])
def preview_message(
    kind: Kind,
    session: ReadSessionDep,
    request: Request,
    who: StaffDep,
    booking_id: Annotated[
        str | None, Query(max_length=64, description="a confirmed booking; omit for sample data"), ONE_LINE
    ] = None,
    locale: Annotated[Literal["en", "de"], Query()] = "en",
) -> PreviewPublic:
    """Render any message kind, for a booking or for sample data, without sending it."""
    wiring = _wiring(request)
    wanted = staff.PreviewRequest(kind, locale, wiring.settings.clinic_timezone, booking_id, _locations(who))
    mail = staff.preview(SqlRepository(session), wanted, wiring.mail, wiring.clock)
    return PreviewPublic(
        kind=kind, locale=locale, to=mail.to, subject=mail.subject, text=mail.text, html=mail.html,
        attachments=[a.filename for a in mail.attachments],
    )  # fmt: skip


def create_app(wiring: Wiring | None = None) -> FastAPI:
    """The API on `wiring` (default: wired from the environment); nothing connects until a request."""
    wiring = wiring or bootstrap()
    app = FastAPI(title="Clinic notifications", version="1.0", description="Emails to clients and therapists.")
    app.state.wiring = wiring
    install_common(app, wiring.database, wiring.settings, errors=ERRORS, clock=wiring.clock)

    def gauges(session: Session) -> dict[str, staff.Gauge]:
        return staff.gauges(SqlRepository(session))

    install_ops(app, "notifications", wiring.database, outbox, lambda: wiring.settings.redis_url, gauges)
    app.include_router(router)
    app.include_router(audit_router(audit))
    return app


app = create_app()
