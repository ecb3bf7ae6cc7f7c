"""Catalog's Celery app: `celery -A services.catalog.entrypoints.worker:celery_app worker -Q catalog`."""

from __future__ import annotations

from services.catalog.adapters.orm import outbox
from services.catalog.bootstrap import database
from services.catalog.config import get_settings
from services.catalog.service_layer import handlers
from shared.celery import make_celery, register_messaging

celery_app = make_celery("catalog", get_settings())
register_messaging(
    celery_app,
    outbox,
    database,
    {"catalog.on_resync_requested": handlers.on_resync_requested},
)
