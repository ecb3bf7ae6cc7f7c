"""The booking service as its API runs it: a temp SQLite file, a real Redis and the seed catalog copied in.

Each test module that asks for `booking_service` gets its own database and Redis, so modules never see
each other's bookings.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from shared.db import SessionFactory, make_session_factory
from tests.integration.booking.conftest import copy_seed_catalog
from tests.support.apps import service_database
from tests.support.servers import Server, start_redis


@dataclass(frozen=True)
class BookingService:
    client: TestClient
    db: Engine  # the test's own connection to the service's database
    broker: Server
    staff_key: str  # ADMIN_API_KEY as the app reads it

    def writer(self) -> SessionFactory:
        return make_session_factory(self.db)


def fresh_import(name: str) -> ModuleType:
    # The booking worker module reads its settings (the broker URL) at import: import it again under ours.
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def booking_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BookingService]:
    broker = start_redis()
    url = f"sqlite:///{tmp_path_factory.mktemp('booking-api') / 'booking.db'}"
    try:
        with service_database("booking", url, {"REDIS_URL": broker.url}) as service:
            copy_seed_catalog(service.writer())
            fresh_import("services.booking.entrypoints.worker")
            app = fresh_import("services.booking.entrypoints.api").app
            with TestClient(app) as client:
                yield BookingService(client=client, db=service.db, broker=broker, staff_key=service.staff_key)
    finally:
        broker.stop()
