"""Catalog's Celery app: `celery -A services.catalog.entrypoints.worker:celery_app worker -Q catalog`."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.orm import Session

from services.catalog.adapters.orm import outbox
from services.catalog.bootstrap import Wiring, bootstrap
from services.catalog.service_layer import entries
from shared.celery import make_celery, register_messaging
from shared.events import Envelope


def create_worker(wiring: Wiring) -> Celery:
    app = make_celery("catalog", wiring.settings)

    def on_resync_requested(session: Session, event: Envelope) -> None:
        entries.on_resync_requested(wiring.repository(session), event)

    register_messaging(app, outbox, wiring.database, {"catalog.on_resync_requested": on_resync_requested})
    return app


celery_app = create_worker(bootstrap())
