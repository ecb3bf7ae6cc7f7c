"""Booking's Celery app: `celery -A services.booking.entrypoints.worker:celery_app worker -Q booking`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from celery.signals import worker_process_init, worker_ready

from services.booking.adapters.orm import outbox
from services.booking.bootstrap import engine, read_session_factory, rules, session_factory
from services.booking.config import get_settings
from services.booking.service_layer import handlers
from shared.celery import make_celery, publisher, register_messaging
from shared.db import transaction
from shared.events import CatalogResyncRequested

settings = get_settings()
celery_app = make_celery("booking", settings)
publish = publisher(celery_app)
register_messaging(
    celery_app,
    outbox,
    session_factory,
    {
        "booking.reserve_resources": partial(handlers.on_booking_requested, defaults=rules()),
        "booking.assign_therapist": partial(handlers.on_resources_reserved, defaults=rules()),
        "booking.on_treatment_published": handlers.on_treatment_published,
        "booking.on_resource_published": handlers.on_resource_published,
        "booking.on_therapist_published": handlers.on_therapist_published,
        "booking.on_location_published": handlers.on_location_published,
    },
)


@celery_app.task(name="booking.resolve_stale_pending", ignore_result=True, shared=False)
def resolve_stale_pending() -> int:
    older_than = datetime.now(UTC) - timedelta(seconds=settings.stale_pending_seconds)
    with transaction(session_factory()) as session:
        moved = handlers.drive_stale(session, older_than, rules())
    outbox.relay(session_factory(), publish)
    return moved


@worker_process_init.connect
def _fresh_connections(**_kwargs: object) -> None:
    # A forked child never shares its parent's pool.
    for cached in (engine, session_factory, read_session_factory):
        cached.cache_clear()


@worker_ready.connect
def _ask_for_catalog(**_kwargs: object) -> None:
    """A starting worker asks catalog to announce everything, so the local copy is complete."""
    with transaction(session_factory()) as session:
        outbox.add(session, CatalogResyncRequested(requested_by="booking"), "booking-start")
    outbox.relay(session_factory(), publish)
