"""The three APIs as they run, in this process, on real SQLite files with data in them: the seed catalog,
confirmed bookings and owed emails, so a fuzzed request can find something to read, change or refuse."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
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
PASSWORD = "fuzzing-front-desk-password"


@dataclass(frozen=True)
class Api:
    """One API to fuzz: the app, its staff key, and values that name real things per path parameter."""

    name: str
    app: FastAPI
    staff_key: str
    known: dict[str, list[Any]] = field(default_factory=dict)  # by parameter or body field name


@contextmanager
def catalog_api(directory: Path, broker: Server, url: str | None = None) -> Iterator[Api]:
    """The catalog on SQLite in `directory`, or on the PostgreSQL database at `url`."""
    url = url or f"sqlite:///{directory / 'catalog.db'}"
    with service_database("catalog", url) as service:
        settings = CatalogSettings(database_url=url, redis_url=broker.url, admin_api_key=service.staff_key)
        wiring = catalog.bootstrap(settings)
        entries.load_seed(wiring.unit_of_work)
        app = catalog_app(wiring)
        email = "front-desk@clinic.example"
        account = {"email": email, "name": "Fuzz Front Desk", "role": "front_desk", "locations": ["main"]}
        with TestClient(app) as client:
            created = client.post(
                "/staff/accounts", json={**account, "password": PASSWORD}, headers={"X-API-Key": service.staff_key}
            )
        assert created.status_code == 201, created.text
        treatments = [t.slug for t in seed.TREATMENTS]
        codes = [e.code for e in (*seed.LOCATIONS, *seed.RESOURCES, *seed.THERAPISTS)]
        known = {
            "slug": treatments,
            "treatment": treatments,
            "code": codes,
            "account_id": [created.json()["id"]],
            "email": [email],
            "password": [PASSWORD],
        }
        yield Api("catalog", app, service.staff_key, known)
        wiring.database.reset()


@contextmanager
def booking_api(directory: Path, broker: Server, url: str | None = None) -> Iterator[Api]:
    """The booking service on SQLite in `directory`, or on the PostgreSQL database at `url`."""
    url = url or f"sqlite:///{directory / 'booking.db'}"
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
        with TestClient(app) as client:
            booked = [_confirmed_booking(client, wiring, hour) for hour in (10, 13, 16)]
            free = client.get("/availability", params={"treatment": CUPPING, "date": _day(4).isoformat(), "days": 3})
        known = {
            "booking_id": booked,
            "code": [e.code for e in (*seed.RESOURCES, *seed.THERAPISTS)],
            # A cupping session at a time free now, any therapist, no answers: a body that may be booked.
            "treatment": [CUPPING],
            "start": free.json()["slots"][:20],
            "therapist": [None, *(t.code for t in seed.THERAPISTS)],
            "location": [None, *(loc.code for loc in seed.LOCATIONS)],
            "answers": [{}],
        }
        yield Api("booking", app, service.staff_key, known)
        wiring.database.reset()


def _day(working_days_ahead: int) -> date:
    return clock.working_day(working_days_ahead)


def _confirmed_booking(client: TestClient, wiring: booking.Wiring, hour: int) -> str:
    """A booking made through the API and placed by the saga, as the booking worker would."""
    start = datetime.combine(_day(3), time(hour), tzinfo=clock.BERLIN)
    body = {
        "treatment": CUPPING,
        "start": start.isoformat(),
        "client": {"name": "Maria Schmidt", "email": f"maria.{uuid.uuid4().hex[:8]}@example.com"},
    }
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
        known = {"delivery_id": ids, "booking_id": [confirmed.booking_id]}
        yield Api("notifications", notifications_app(wiring), service.staff_key, known)
        wiring.database.reset()
