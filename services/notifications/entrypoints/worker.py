"""Notifications' Celery app.

`celery -A services.notifications.entrypoints.worker:celery_app worker -Q notifications`
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import outbox
from services.notifications.adapters.repository import AbstractRepository, SqlRepository
from services.notifications.bootstrap import Wiring, bootstrap
from services.notifications.service_layer import catalog_copy, owed, reminders, review, sending
from shared.celery import make_celery, register_messaging
from shared.db import transaction
from shared.events import Envelope


def create_worker(wiring: Wiring) -> Celery:
    """The worker's Celery app: one task per subscribed event, the sweep and the scheduler's lookups."""
    app = make_celery("notifications", wiring.settings)

    def send(booking_id: str | None) -> int:
        return sending.send_due(wiring.transactions(), wiring.mailroom, booking_id)

    def owing(handle: owed.OwedOnEvent) -> Callable[[Session, Envelope], None]:
        def consume(session: Session, event: Envelope) -> None:
            handle(SqlRepository(session), event, wiring.mail, wiring.clock)

        return consume

    def copying(handle: Callable[[AbstractRepository, Envelope], None]) -> Callable[[Session, Envelope], None]:
        def consume(session: Session, event: Envelope) -> None:
            handle(SqlRepository(session), event)

        return consume

    def send_owed(envelope: dict[str, Any]) -> None:
        """Send what an event made us owe right away; the scheduled sweep retries whatever fails."""
        booking_id = envelope.get("payload", {}).get("booking_id")
        if booking_id:
            send(booking_id)

    register_messaging(
        app,
        outbox,
        wiring.database,
        {
            "notifications.on_booking_confirmed": owing(owed.on_booking_confirmed),
            "notifications.on_booking_rescheduled": owing(owed.on_booking_rescheduled),
            "notifications.on_booking_cancelled": owing(owed.on_booking_cancelled),
            "notifications.on_booking_rejected": owing(owed.on_booking_rejected),
            "notifications.on_booking_held_for_review": owing(review.on_booking_held_for_review),
            "notifications.on_booking_declined": owing(review.on_booking_declined),
            "notifications.on_treatment_published": copying(catalog_copy.on_treatment_published),
            "notifications.on_location_published": copying(catalog_copy.on_location_published),
        },
        after_handled=send_owed,
        resync_catalog=True,
    )

    @app.task(name="notifications.send_due", ignore_result=True, shared=False)
    def send_due() -> int:
        return send(None)

    @app.task(name="notifications.owe_reminders", ignore_result=True, shared=False)
    def owe_reminders() -> int:
        with transaction(wiring.database.session_factory()) as session:
            owed_now = reminders.owe_reminders(
                SqlRepository(session), wiring.reminder_windows, wiring.mail, wiring.clock
            )
        send(None)
        return owed_now

    @app.task(name="notifications.owe_day_schedules", ignore_result=True, shared=False)
    def owe_day_schedules() -> int:
        with transaction(wiring.database.session_factory()) as session:
            owed_now = reminders.owe_day_schedules(
                SqlRepository(session), wiring.settings.day_schedule_hour, wiring.mail, wiring.clock
            )
        send(None)
        return owed_now

    return app


celery_app = create_worker(bootstrap())
