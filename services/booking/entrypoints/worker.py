"""Booking's Celery app: `celery -A services.booking.entrypoints.worker:celery_app worker -Q booking`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from celery import Celery
from sqlalchemy.orm import Session

from services.booking.adapters.orm import outbox
from services.booking.adapters.repository import AbstractRepository, SqlRepository
from services.booking.bootstrap import Wiring, bootstrap
from services.booking.service_layer import catalog_copy, intake, saga
from shared.celery import make_celery, register_messaging
from shared.events import Envelope


def create_worker(wiring: Wiring) -> Celery:
    """Booking's Celery app on `wiring`: the saga's steps, the catalog copy, the outbox relay, the
    sweep that moves on bookings a lost message left pending, the review deadline and the erasure of
    intake answers."""
    app = make_celery("booking", wiring.settings)

    def consumer(handle: Callable[[AbstractRepository, Envelope], None]) -> Callable[[Session, Envelope], None]:
        return lambda session, event: handle(SqlRepository(session, wiring.clock), event)

    register_messaging(
        app,
        outbox,
        wiring.database,
        {
            "booking.reserve_resources": consumer(
                lambda repository, event: saga.on_booking_requested(repository, event, wiring.rules)
            ),
            "booking.on_treatment_published": consumer(catalog_copy.on_treatment_published),
            "booking.on_resource_published": consumer(catalog_copy.on_resource_published),
            "booking.on_therapist_published": consumer(catalog_copy.on_therapist_published),
            "booking.on_location_published": consumer(catalog_copy.on_location_published),
            "booking.on_questionnaire_published": consumer(catalog_copy.on_questionnaire_published),
        },
        resync_catalog=True,
    )

    @app.task(name="booking.resolve_stale_pending", ignore_result=True, shared=False)
    def resolve_stale_pending() -> int:
        older_than = wiring.clock.now() - timedelta(seconds=wiring.settings.stale_pending_seconds)
        moved = saga.drive_stale(wiring.transactions(), older_than, wiring.rules)
        outbox.relay(wiring.database.session_factory(), wiring.publish)
        return moved

    @app.task(name="booking.decline_unreviewed", ignore_result=True, shared=False)
    def decline_unreviewed() -> int:
        deadline = wiring.clock.now() + timedelta(minutes=wiring.settings.review_deadline_minutes)
        declined = intake.decline_unreviewed(wiring.transactions(), deadline, wiring.rules)
        outbox.relay(wiring.database.session_factory(), wiring.publish)
        return declined

    @app.task(name="booking.erase_answers", ignore_result=True, shared=False)
    def erase_answers() -> int:
        ended_before = wiring.clock.now() - timedelta(days=wiring.settings.answers_retention_days)
        return intake.erase_expired(wiring.transactions(), ended_before)

    return app


celery_app = create_worker(bootstrap())
