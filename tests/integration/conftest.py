"""The booking service as its API runs it: a temp SQLite file, a real Redis and the seed catalog copied in.

Each test module that asks for `booking_service` gets its own database and Redis, so modules never see
each other's bookings. The app is built from explicit settings: no environment variable, no re-import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.booking.bootstrap import Wiring, bootstrap
from services.booking.config import BookingSettings
from services.booking.entrypoints.api import create_app
from shared.celery import producer
from shared.clock import Clock, system_clock
from shared.db import SessionFactory, make_session_factory
from tests.integration.booking.conftest import copy_seed_catalog
from tests.support.apps import service_database
from tests.support.servers import Server, start_redis


@dataclass(frozen=True)
class BookingService:
    client: TestClient
    db: Engine  # the test's own connection to the service's database
    broker: Server
    staff_key: str  # the app's staff key (ADMIN_API_KEY)
    wiring: Wiring  # what the app runs on: its settings, clock and default rules

    def writer(self) -> SessionFactory:
        return make_session_factory(self.db)


@contextmanager
def running_booking_service(
    directory: Path, clock: Clock = system_clock, manage_link_secret: str = ""
) -> Iterator[BookingService]:
    """A booking API on its own database and Redis, its clock and link secret as given."""
    broker = start_redis()
    url = f"sqlite:///{directory / 'booking.db'}"
    try:
        with service_database("booking", url) as service:
            copy_seed_catalog(service.writer())
            settings = BookingSettings(
                database_url=url,
                redis_url=broker.url,
                admin_api_key=service.staff_key,
                manage_link_secret=manage_link_secret,
            )
            wiring = bootstrap(settings, clock=clock, publish=producer("booking", settings))
            with TestClient(create_app(wiring)) as client:
                yield BookingService(client, service.db, broker, service.staff_key, wiring)
            wiring.database.reset()
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def booking_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BookingService]:
    with running_booking_service(tmp_path_factory.mktemp("booking-api")) as service:
        yield service
