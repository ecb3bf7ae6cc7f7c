"""Notifications' Celery app.

`celery -A services.notifications.entrypoints.worker:celery_app worker -Q notifications`
"""

from __future__ import annotations

from functools import partial
from typing import Any

from services.notifications.adapters.orm import outbox
from services.notifications.bootstrap import database, mail_domain, session_factory, smtp_send
from services.notifications.config import get_settings
from services.notifications.service_layer import handlers
from shared.celery import make_celery, publisher, register_messaging

settings = get_settings()
celery_app = make_celery("notifications", settings)
publish = publisher(celery_app)


def _with_mail_settings(handle: Any) -> Any:
    return partial(handle, domain=mail_domain(), clinic_name=settings.clinic_name)


def _send_owed(envelope: dict[str, Any]) -> None:
    """Send what an event made us owe right away; the scheduled sweep retries whatever fails."""
    booking_id = envelope.get("payload", {}).get("booking_id")
    if booking_id:
        _send(booking_id)


register_messaging(
    celery_app,
    outbox,
    database,
    {
        "notifications.on_booking_confirmed": _with_mail_settings(handlers.on_booking_confirmed),
        "notifications.on_booking_rejected": _with_mail_settings(handlers.on_booking_rejected),
        "notifications.on_treatment_published": handlers.on_treatment_published,
    },
    after_handled=_send_owed,
    resync_catalog=True,
)


def _send(booking_id: str | None) -> int:
    return handlers.send_due(
        session_factory(), smtp_send(), settings.retry_base_seconds, settings.retry_max_attempts, booking_id
    )


@celery_app.task(name="notifications.send_due", ignore_result=True, shared=False)
def send_due() -> int:
    return _send(None)
