"""Notifications' Celery app.

`celery -A services.notifications.entrypoints.worker:celery_app worker -Q notifications`
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from services.notifications.adapters.orm import outbox
from services.notifications.bootstrap import alternatives, database, mail_settings, smtp_send
from services.notifications.config import get_settings
from services.notifications.service_layer import handlers
from shared.celery import make_celery, register_messaging
from shared.db import transaction

settings = get_settings()
celery_app = make_celery("notifications", settings)


def _with_mail_settings(handle: Any) -> Any:
    return partial(handle, settings=mail_settings())


def _send(booking_id: str | None) -> int:
    return handlers.send_due(
        database.session_factory(),
        smtp_send(),
        mail_settings(),
        settings.retry_base_seconds,
        settings.retry_max_attempts,
        booking_id,
        alternatives=alternatives(),
    )


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
        "notifications.on_booking_rescheduled": _with_mail_settings(handlers.on_booking_rescheduled),
        "notifications.on_booking_cancelled": _with_mail_settings(handlers.on_booking_cancelled),
        "notifications.on_booking_rejected": _with_mail_settings(handlers.on_booking_rejected),
        "notifications.on_treatment_published": handlers.on_treatment_published,
        "notifications.on_location_published": handlers.on_location_published,
    },
    after_handled=_send_owed,
    resync_catalog=True,
)


@celery_app.task(name="notifications.send_due", ignore_result=True, shared=False)
def send_due() -> int:
    return _send(None)


@celery_app.task(name="notifications.owe_reminders", ignore_result=True, shared=False)
def owe_reminders() -> int:
    with transaction(database.session_factory()) as session:
        owed = handlers.owe_reminders(
            session, datetime.now(UTC), settings.reminder_hours, settings.short_reminder_hours, mail_settings()
        )
    _send(None)
    return owed


@celery_app.task(name="notifications.owe_day_schedules", ignore_result=True, shared=False)
def owe_day_schedules() -> int:
    with transaction(database.session_factory()) as session:
        owed = handlers.owe_day_schedules(session, datetime.now(UTC), settings.day_schedule_hour, mail_settings())
    _send(None)
    return owed
