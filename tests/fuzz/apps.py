"""The three APIs as they run, in this process, on real SQLite files with data in them: the seed catalog,
confirmed bookings and owed emails, so a fuzzed request can find something to read, change or refuse."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from services.booking import bootstrap as booking
from services.booking.config import BookingSettings
from services.booking.entrypoints.api import create_app as booking_app
from services.booking.service_layer import saga
from services.catalog import bootstrap as catalog
from services.catalog.config import CatalogSettings
from services.catalog.domain import seed
from services.catalog.entrypoints.api import create_app as catalog_app
from services.catalog.service_layer import entries
from services.notifications import bootstrap as notifications
from services.notifications.adapters import orm as notifications_orm
from services.notifications.adapters.repository import SqlRepository as NotificationsRepository
from services.notifications.config import NotificationSettings
from services.notifications.entrypoints.api import create_app as notifications_app
from services.notifications.service_layer import owed
from shared.celery import producer
from shared.db import make_session_factory, transaction
from shared.events import Envelope
from tests.integration.booking.conftest import copy_seed_catalog
from tests.integration.notifications import story
from tests.support import clock
from tests.support.apps import service_database
from tests.support.servers import Server

CUPPING = seed.BACK_LEG_CUPPING.slug


@dataclass(frozen=True)
class Api:
    """One API to fuzz: the app, its staff key, and values that name real things per path parameter."""

    name: str
    app: FastAPI
    staff_key: str
    known: dict[str, list[str]] = field(default_factory=dict)


@contextmanager
def catalog_api(directory: Path, broker: Server) -> Iterator[Api]:
    url = f"sqlite:///{directory / 'catalog.db'}"
    with service_database("catalog", url) as service:
        settings = CatalogSettings(database_url=url, redis_url=broker.url, admin_api_key=service.staff_key)
        wiring = catalog.bootstrap(settings)
        entries.load_seed(wiring.unit_of_work)
        treatments = [t.slug for t in seed.TREATMENTS]
        codes = [e.code for e in (*seed.LOCATIONS, *seed.RESOURCES, *seed.THERAPISTS)]
        known = {"slug": treatments, "treatment": treatments, "code": codes}
        yield Api("catalog", catalog_app(wiring), service.staff_key, known)
        wiring.database.reset()


@contextmanager
def booking_api(directory: Path, broker: Server) -> Iterator[Api]:
    url = f"sqlite:///{directory / 'booking.db'}"
    with service_database("booking", url) as service:
        copy_seed_catalog(service.writer())
        settings = BookingSettings(
            database_url=url,
            redis_url=broker.url,
            admin_api_key=service.staff_key,
            manage_link_secret=secrets.token_urlsafe(32),
        )
        wiring = booking.bootstrap(settings, publish=producer("booking", settings))
        app = booking_app(wiring)
        booked = [_confirmed_booking(app, wiring, hour) for hour in (10, 13, 16)]
        codes = [e.code for e in (*seed.RESOURCES, *seed.THERAPISTS)]
        yield Api("booking", app, service.staff_key, {"booking_id": booked, "code": codes})
        wiring.database.reset()


def _confirmed_booking(app: FastAPI, wiring: booking.Wiring, hour: int) -> str:
    """A booking made through the API and placed by the saga, as the booking worker would."""
    from fastapi.testclient import TestClient

    start = datetime.combine(clock.working_day(3), time(hour), tzinfo=clock.BERLIN)
    body = {
        "treatment": CUPPING,
        "start": start.isoformat(),
        "client": {"name": "Maria Schmidt", "email": f"maria.{uuid.uuid4().hex[:8]}@example.com"},
    }
    with TestClient(app) as client:
        response = client.post("/bookings", json=body)
    assert response.status_code == 202, response.text
    booking_id: str = response.json()["id"]
    with wiring.transactions()() as repository:
        saga.place(repository, booking_id, wiring.rules)
    return booking_id


@contextmanager
def notifications_api(directory: Path, broker: Server) -> Iterator[Api]:
    url = f"sqlite:///{directory / 'notifications.db'}"
    with service_database("notifications", url) as service:
        settings = NotificationSettings(database_url=url, redis_url=broker.url, admin_api_key=service.staff_key)
        wiring = notifications.bootstrap(settings)
        writer = make_session_factory(service.db)
        confirmed = story.confirmed(datetime.combine(clock.working_day(3), time(13), tzinfo=clock.BERLIN))
        with transaction(writer) as session:
            owed.on_booking_confirmed(
                NotificationsRepository(session), Envelope.wrap(confirmed, "fuzz"), story.SETTINGS, wiring.clock
            )
        with service.db.connect() as connection:
            ids = [str(i) for i in connection.execute(select(notifications_orm.delivery.c.id)).scalars()]
        yield Api("notifications", notifications_app(wiring), service.staff_key, {"delivery_id": ids})
        wiring.database.reset()
