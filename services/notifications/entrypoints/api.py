"""Notifications HTTP API (staff): what was sent to whom, and how it went."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from services.notifications.bootstrap import read_session_factory, session_factory
from services.notifications.config import get_settings
from services.notifications.service_layer import handlers
from shared.http import install_common, staff_only, unit_of_work

app = FastAPI(title="Clinic notifications", version="1.0", description="Emails to clients and therapists.")
install_common(app)
StaffOnly = Depends(staff_only(lambda: get_settings().admin_api_key))


SessionDep = Annotated[Session, Depends(unit_of_work(session_factory), scope="function")]
ReadSessionDep = Annotated[Session, Depends(unit_of_work(read_session_factory), scope="function")]


class DeliveryOut(BaseModel):
    id: int
    booking_id: str
    kind: str
    recipient: str
    booking_version: int
    status: str
    attempts: int
    message_id: str
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@app.get("/deliveries", response_model=list[DeliveryOut], tags=["deliveries"], dependencies=[StaffOnly])
def list_deliveries(
    session: ReadSessionDep,
    booking_id: Annotated[str | None, Query()] = None,
    recipient: Annotated[str | None, Query()] = None,
) -> list[DeliveryOut]:
    """The delivery log of one booking or one recipient."""
    if not booking_id and not recipient:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give booking_id or recipient")
    rows = handlers.deliveries(session, booking_id=booking_id, recipient=recipient)
    return [DeliveryOut.model_validate(_in_utc(dict(row._mapping))) for row in rows]


def _in_utc(values: dict[str, Any]) -> dict[str, Any]:
    """The database keeps naive UTC; the API says so with an offset."""
    return {k: v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for k, v in values.items()}
