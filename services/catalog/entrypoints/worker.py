"""Catalog's Celery app: `celery -A services.catalog.entrypoints.worker:celery_app worker -Q catalog`."""

from __future__ import annotations

from celery.signals import worker_process_init

from services.catalog.adapters.orm import outbox
from services.catalog.bootstrap import engine, read_session_factory, session_factory
from services.catalog.config import get_settings
from services.catalog.service_layer import handlers
from shared.celery import make_celery, register_messaging

celery_app = make_celery("catalog", get_settings())
register_messaging(
    celery_app,
    outbox,
    session_factory,
    {"catalog.on_resync_requested": handlers.on_resync_requested},
)


@worker_process_init.connect
def _fresh_connections(**_kwargs: object) -> None:
    # A forked child never shares its parent's pool.
    for cached in (engine, session_factory, read_session_factory):
        cached.cache_clear()
