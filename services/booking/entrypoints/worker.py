"""Booking's Celery app: `celery -A services.booking.entrypoints.worker:celery_app worker -Q booking`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from services.booking.adapters.orm import outbox
from services.booking.bootstrap import database, rules, session_factory
from services.booking.config import get_settings
from services.booking.service_layer import handlers
from shared.celery import make_celery, publisher, register_messaging

settings = get_settings()
celery_app = make_celery("booking", settings)
publish = publisher(celery_app)
register_messaging(
    celery_app,
    outbox,
    database,
    {
        "booking.reserve_resources": partial(handlers.on_booking_requested, defaults=rules()),
        "booking.assign_therapist": partial(handlers.on_resources_reserved, defaults=rules()),
        "booking.on_treatment_published": handlers.on_treatment_published,
        "booking.on_resource_published": handlers.on_resource_published,
        "booking.on_therapist_published": handlers.on_therapist_published,
        "booking.on_location_published": handlers.on_location_published,
    },
    resync_catalog=True,
)


@celery_app.task(name="booking.resolve_stale_pending", ignore_result=True, shared=False)
def resolve_stale_pending() -> int:
    older_than = datetime.now(UTC) - timedelta(seconds=settings.stale_pending_seconds)
    moved = handlers.drive_stale(session_factory(), older_than, rules())
    outbox.relay(session_factory(), publish)
    return moved
