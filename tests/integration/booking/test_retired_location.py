"""A location the catalog retires keeps serving the bookings made there (read, cancel, move away, the staff
day views), and only refuses new ones: through the API, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.booking.adapters.repository import SqlRepository
from services.booking.bootstrap import Wiring, bootstrap
from services.booking.config import BookingSettings
from services.booking.entrypoints.api import create_app
from services.booking.service_layer import catalog_copy, saga
from services.catalog.domain import seed
from shared.celery import producer
from shared.db import SessionFactory, transaction
from shared.events import Envelope, LocationPublished, ResourcePublished, TherapistPublished, TreatmentPublished
from tests.integration.booking.conftest import booking_database, copy_seed_catalog
from tests.support import servers
from tests.support.apps import service_database
from tests.support.clock import at, working_day


@dataclass(frozen=True)
class BookingApi:
    """A booking API on its own database (SQLite or PostgreSQL) and Redis; the saga is run by hand."""

    client: TestClient
    writer: SessionFactory
    staff: dict[str, str]
    wiring: Wiring

    def place(self, booking_id: str) -> None:
        """What the booking worker does with the request."""
        with transaction(self.writer) as session:
            saga.place(SqlRepository(session), booking_id, self.wiring.rules)

    def publish(self, *payloads: Any) -> None:
        """What the catalog's events put in the booking database."""
        handlers: dict[type, Callable[[SqlRepository, Envelope], None]] = {
            LocationPublished: catalog_copy.on_location_published,
            ResourcePublished: catalog_copy.on_resource_published,
            TherapistPublished: catalog_copy.on_therapist_published,
            TreatmentPublished: catalog_copy.on_treatment_published,
        }
        with transaction(self.writer) as session:
            for payload in payloads:
                handlers[type(payload)](SqlRepository(session), Envelope.wrap(payload, "test"))


@contextmanager
def booking_api(backend: str, directory: Path, postgres_admin: servers.Server | None) -> Iterator[BookingApi]:
    url, drop = booking_database(backend, directory, postgres_admin)
    broker = servers.start_redis()
    try:
        with service_database("booking", url) as service:
            copy_seed_catalog(service.writer())
            settings = BookingSettings(database_url=url, redis_url=broker.url, admin_api_key=service.staff_key)
            wiring = bootstrap(settings, publish=producer("booking", settings))
            app = create_app(wiring)
            app.state.rate_limiter.enabled = False  # many requests from one client: the limits have tests of their own
            with TestClient(app) as client:
                yield BookingApi(client, service.writer(), {"X-API-Key": service.staff_key}, wiring)
            wiring.database.reset()
    finally:
        broker.stop()
        drop()  # type: ignore[operator]


MAIN = seed.LOCATIONS[0]
WEST = LocationPublished(revision=1, code="west", name="Clinic West", timezone="Europe/Berlin")
WEST_THERAPIST = TherapistPublished(
    revision=1,
    code="wera-west",
    name="Wera West",
    email="wera@clinic.example",
    skills=sorted({skill for t in seed.TREATMENTS for skill in t.required_skills}),
    weekly_hours=[{"weekday": day, "start": "08:00", "end": "20:00"} for day in range(7)],
    location="west",
)


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None) -> Iterator[BookingApi]:
    with booking_api(request.param, tmp_path, postgres_admin) as service:
        service.publish(
            WEST,
            ResourcePublished(revision=1, code="room-w1", kind="room", name="West room 1", location="west"),
            ResourcePublished(revision=1, code="kit-w1", kind="cupping_kit", name="West kit 1", location="west"),
            WEST_THERAPIST,
        )
        yield service


def book_at_main(api: BookingApi, start: datetime) -> tuple[str, dict[str, str]]:
    body = {
        "treatment": "back-leg-cupping",
        "start": start.isoformat(),
        "location": "main",
        "client": {"name": "Maria Schmidt", "email": "maria@example.com"},
    }
    answer = api.client.post("/bookings", json=body)
    assert answer.status_code == 202, answer.text
    api.place(answer.json()["id"])
    return answer.json()["id"], {"X-Booking-Token": answer.json()["token"]}


def retire_main(api: BookingApi) -> None:
    api.publish(LocationPublished(**{**asdict(MAIN), "revision": 2, "active": False}))


def test_bookings_at_a_retired_location_are_read_shown_cancelled_and_moved(api: BookingApi) -> None:
    day = working_day(3)
    kept, kept_token = book_at_main(api, at(day, 10))
    by_client, client_token = book_at_main(api, at(day, 12))
    by_staff, _ = book_at_main(api, at(day, 14))
    assert api.client.get(f"/bookings/{kept}", headers=kept_token).json()["status"] == "confirmed"
    room = api.client.get(f"/bookings/{kept}", headers=kept_token).json()["room"]
    retire_main(api)

    read = api.client.get(f"/bookings/{kept}", headers=kept_token)
    assert read.status_code == 200, read.text
    assert (read.json()["location"], read.json()["start"]) == ("main", at(day, 10).isoformat())
    assert api.client.get(f"/bookings/{kept}", headers=api.staff).status_code == 200

    schedule = api.client.get(f"/schedule/room/{room}", params={"date": day.isoformat()}, headers=api.staff)
    assert schedule.status_code == 200, schedule.text
    assert kept in [b["id"] for b in schedule.json()["bookings"]]
    view = api.client.get("/day", params={"location": "main", "date": day.isoformat()}, headers=api.staff)
    assert view.status_code == 200, view.text
    assert kept in {b["id"] for row in view.json()["rows"] for b in row["bookings"]}

    cancelled = api.client.post(f"/bookings/{by_client}/cancel", headers=client_token)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled"), cancelled.text
    cancelled = api.client.post(f"/bookings/{by_staff}/cancel", json={"reason": "we moved"}, headers=api.staff)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled"), cancelled.text

    stay = api.client.post(f"/bookings/{kept}/reschedule", json={"start": at(day, 11).isoformat()}, headers=kept_token)
    assert stay.status_code == 422, stay.text
    assert "closed" in stay.json()["detail"] and "west" in stay.json()["detail"]
    moved = api.client.post(
        f"/bookings/{kept}/reschedule", json={"start": at(day, 11).isoformat(), "location": "west"}, headers=kept_token
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["location"], moved.json()["room"], moved.json()["therapist"]) == (
        "west",
        "room-w1",
        "wera-west",
    )
    # the room at main it held is free again: nothing at main holds the old slot any more
    schedule = api.client.get(f"/schedule/room/{room}", params={"date": day.isoformat()}, headers=api.staff)
    assert kept not in [b["id"] for b in schedule.json()["bookings"]]


def test_a_retired_location_takes_no_new_booking_and_offers_no_time(api: BookingApi) -> None:
    retire_main(api)
    day = working_day(3)
    body = {
        "treatment": "back-leg-cupping",
        "start": at(day, 10).isoformat(),
        "location": "main",
        "client": {"name": "Maria Schmidt", "email": "maria@example.com"},
    }
    refused = api.client.post("/bookings", json=body)
    assert refused.status_code == 422 and "closed" in refused.json()["detail"], refused.text
    free = api.client.get("/availability", params={"treatment": "back-leg-cupping", "location": "main"})
    assert free.status_code == 422 and "closed" in free.json()["detail"], free.text
    west = api.client.get("/availability", params={"treatment": "back-leg-cupping", "location": "west"})
    assert west.status_code == 200, west.text
