"""Notifications HTTP API (staff): what was sent to whom, previews of every message, resending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import outbox
from services.notifications.bootstrap import database, mail_settings, read_session_factory, session_factory
from services.notifications.config import get_settings
from services.notifications.domain.messages import Kind
from services.notifications.service_layer import handlers
from shared.http import install_common, staff_only, unit_of_work
from shared.ops_endpoints import install_ops

app = FastAPI(title="Clinic notifications", version="1.0", description="Emails to clients and therapists.")
install_common(app)
install_ops(app, "notifications", database, outbox, lambda: get_settings().redis_url, handlers.gauges)
StaffOnly = Depends(staff_only(lambda: get_settings().admin_api_key))
SessionDep = Annotated[Session, Depends(unit_of_work(session_factory), scope="function")]
ReadSessionDep = Annotated[Session, Depends(unit_of_work(read_session_factory), scope="function")]


class DeliveryOut(BaseModel):
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


class PreviewOut(BaseModel):
    kind: Kind
    locale: str
    to: str
    subject: str
    text: str
    html: str
    attachments: list[str]


def _in_utc(values: dict[str, Any]) -> dict[str, Any]:
    """The database keeps naive UTC; the API says so with an offset."""
    return {k: v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for k, v in values.items()}


@app.get("/deliveries", response_model=list[DeliveryOut], tags=["deliveries"], dependencies=[StaffOnly])
def list_deliveries(
    session: ReadSessionDep,
    booking_id: Annotated[str | None, Query()] = None,
    x_recipient: Annotated[
        str | None, Header(description="an email address: a header, so it never lands in an access log")
    ] = None,
) -> list[DeliveryOut]:
    """The delivery log of one booking or one recipient."""
    recipient = x_recipient
    if not booking_id and not recipient:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give booking_id or an X-Recipient header")
    rows = handlers.deliveries(session, booking_id=booking_id, recipient=recipient)
    return [DeliveryOut.model_validate(_in_utc(dict(row._mapping))) for row in rows]


@app.post("/deliveries/{delivery_id}/resend", response_model=DeliveryOut, tags=["deliveries"], dependencies=[StaffOnly])
def resend_delivery(delivery_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep) -> DeliveryOut:
    """Send a message again (sent or failed ones); the scheduler's sweep sends it within seconds."""
    row = handlers.delivery_by_id(session, delivery_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no delivery {delivery_id}")
    if not handlers.resend(session, delivery_id):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"delivery {delivery_id} is {row.status}: it is going out already"
        )
    return DeliveryOut.model_validate(_in_utc(dict(handlers.delivery_by_id(session, delivery_id)._mapping)))


@app.get("/preview/{kind}", response_model=PreviewOut, tags=["templates"], dependencies=[StaffOnly])
def preview_message(
    kind: Kind,
    session: ReadSessionDep,
    booking_id: Annotated[str | None, Query(description="a confirmed booking; omit for sample data")] = None,
    locale: Annotated[Literal["en", "de"], Query()] = "en",
) -> PreviewOut:
    """Render any message kind, for a booking or for sample data, without sending it."""
    try:
        mail = handlers.preview(session, kind, mail_settings(), locale, get_settings().clinic_timezone, booking_id)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    return PreviewOut(
        kind=kind, locale=locale, to=mail.to, subject=mail.subject, text=mail.text, html=mail.html,
        attachments=[a.filename for a in mail.attachments],
    )  # fmt: skip
