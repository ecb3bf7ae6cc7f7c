"""Rate limits on a real Redis: two booking API instances (two processes' worth) on one database and one
Redis share every budget; staff are not counted; a limiter whose Redis is down lets every booking in.

Small limits (a few per minute) make the budgets run out in a handful of requests: no test waits for a
window to pass. Each test asks from addresses and emails of its own, so tests never share a budget."""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from services.booking.bootstrap import bootstrap as booking_bootstrap
from services.booking.config import BookingSettings
from services.booking.entrypoints.api import create_app as booking_app
from services.catalog.bootstrap import bootstrap as catalog_bootstrap
from services.catalog.config import CatalogSettings
from services.catalog.entrypoints.api import create_app as catalog_app
from shared.celery import producer
from tests.integration.booking.conftest import copy_seed_catalog
from tests.support.apps import service_database, staff_token
from tests.support.clock import at, next_weekday
from tests.support.servers import Server, free_port, start_redis

LIMITS = {
    "RATE_LIMIT_BOOKINGS_PER_ADDRESS": "3/minute",
    "RATE_LIMIT_BOOKINGS_PER_EMAIL": "2/hour",
    "RATE_LIMIT_AVAILABILITY_PER_ADDRESS": "2/minute",
    "RATE_LIMIT_BOOKING_CHANGES": "2/hour",
    "RATE_LIMIT_SIGN_IN_PER_ADDRESS": "3/minute",
    "RATE_LIMIT_SIGN_IN_PER_EMAIL": "2/minute",
}
SLOT = at(next_weekday(1, 2), 13)  # a Tuesday 2+ days ahead, 13:00: inside the seed therapists' hours
_addresses = (f"203.0.113.{n}" for n in itertools.count(1))  # TEST-NET-3: one fresh address per client


@dataclass(frozen=True)
class Booking:
    apps: tuple[TestClient, TestClient]  # two API instances on one database and one Redis
    staff_key: str

    def client(self, address: str | None = None, instance: int = 0) -> TestClient:
        """A client of one instance, asking from `address` (a fresh one by default)."""
        app = self.apps[instance].app
        return TestClient(app, client=(address or next(_addresses), 50000))


def booking_request(email: str | None = None) -> dict[str, Any]:
    return {
        "treatment": "back-leg-cupping",
        "start": SLOT.isoformat(),
        "client": {"name": "Maria Schmidt", "email": email or f"maria.{uuid.uuid4().hex[:8]}@example.com"},
    }


@contextmanager
def booking_apis(directory: Path, broker_url: str, **limits: str) -> Iterator[Booking]:
    url = f"sqlite:///{directory / 'booking.db'}"
    with service_database("booking", url) as service:
        copy_seed_catalog(service.writer())
        settings = BookingSettings(
            database_url=url, redis_url=broker_url, admin_api_key=service.staff_key, **(LIMITS | limits)
        )
        wirings = [booking_bootstrap(settings, publish=producer("booking", settings)) for _ in range(2)]
        with TestClient(booking_app(wirings[0])) as first, TestClient(booking_app(wirings[1])) as second:
            yield Booking((first, second), service.staff_key)
        for wiring in wirings:
            wiring.database.reset()


@pytest.fixture(scope="module")
def broker() -> Iterator[Server]:
    server = start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def booking(tmp_path_factory: pytest.TempPathFactory, broker: Server) -> Iterator[Booking]:
    with booking_apis(tmp_path_factory.mktemp("limited-booking"), broker.url) as apis:
        yield apis


def refused(response: Response) -> str:
    """The 429's message, after checking its status and Retry-After."""
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    detail = response.json()["detail"]
    assert detail.endswith(f"try again in {retry_after} seconds")
    return str(detail)


def test_the_budget_of_an_address_holds_across_api_instances(booking: Booking) -> None:
    address = next(_addresses)
    first, second = booking.client(address, 0), booking.client(address, 1)
    answers = [client.post("/bookings", json=booking_request()) for client in (first, second, first)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    detail = refused(second.post("/bookings", json=booking_request()))
    assert detail.startswith("too many booking requests from your address: at most 3 per minute")
    assert int(second.post("/bookings", json=booking_request()).headers["Retry-After"]) <= 60
    # Another address has its own budget.
    assert booking.client().post("/bookings", json=booking_request()).status_code == 202


def test_one_email_is_limited_whatever_address_it_books_from(booking: Booking) -> None:
    email = f"Repeat.{uuid.uuid4().hex[:8]}@Example.com"
    assert booking.client(instance=0).post("/bookings", json=booking_request(email)).status_code == 202
    assert booking.client(instance=1).post("/bookings", json=booking_request(email.lower())).status_code == 202
    detail = refused(booking.client().post("/bookings", json=booking_request(f" {email.upper()} ")))
    assert detail.startswith("too many booking requests for this email address: at most 2 per hour")


def test_replays_of_one_idempotency_key_cost_its_email_nothing(booking: Booking) -> None:
    """The issue's twenty retries of one request: each gets the booking and a working token; only a new
    booking spends the email's budget (2 per hour here)."""
    email, key = f"retry.{uuid.uuid4().hex[:8]}@example.com", {"Idempotency-Key": uuid.uuid4().hex}
    body = booking_request(email)
    answers = [booking.client().post("/bookings", json=body, headers=key) for _ in range(5)]
    assert [a.status_code for a in answers] == [202] * 5
    assert len({a.json()["id"] for a in answers}) == 1
    for answer in answers:
        token = {"X-Booking-Token": answer.json()["token"]}
        assert booking.client().get(f"/bookings/{answer.json()['id']}", headers=token).status_code == 200
    assert booking.client().post("/bookings", json=booking_request(email)).status_code == 202
    refused(booking.client().post("/bookings", json=booking_request(email)))


def test_the_front_desk_and_machines_book_for_many_clients_from_one_address(booking: Booking) -> None:
    address = next(_addresses)
    desk = booking.client(address)
    machine = {"X-API-Key": booking.staff_key}
    front_desk = staff_token("front_desk", ("main",))
    for headers in [machine, front_desk] * 3:
        assert desk.post("/bookings", json=booking_request(), headers=headers).status_code == 202
    # A client at the same address is still counted, and a made-up credential does not exempt anyone.
    for _ in range(3):
        assert desk.post("/bookings", json=booking_request(), headers={"X-API-Key": "guessed"}).status_code == 202
    refused(desk.post("/bookings", json=booking_request(), headers={"Authorization": "Bearer forged.token.here"}))
    assert desk.post("/bookings", json=booking_request(), headers=machine).status_code == 202


def test_availability_reads_are_limited_per_address_but_not_for_staff(booking: Booking) -> None:
    reader = booking.client()
    query = {"treatment": "back-leg-cupping", "date": SLOT.date().isoformat()}
    assert [reader.get("/availability", params=query).status_code for _ in range(2)] == [200, 200]
    detail = refused(reader.get("/availability", params=query))
    assert detail.startswith("too many availability requests from your address: at most 2 per minute")
    assert reader.get("/availability", params=query, headers={"X-API-Key": booking.staff_key}).status_code == 200
    assert booking.client().get("/availability", params=query).status_code == 200


def test_one_client_cannot_change_a_booking_again_and_again(booking: Booking) -> None:
    client = booking.client()
    accepted = client.post("/bookings", json=booking_request()).json()
    path, token = f"/bookings/{accepted['id']}", {"X-Booking-Token": accepted["token"]}
    later = SLOT.replace(hour=14).isoformat()
    first = client.post(f"{path}/reschedule", json={"start": later}, headers=token)
    second = booking.client(instance=1).put(f"{path}/answers", json={"answers": {}}, headers=token)
    assert first.status_code not in (429, 500) and second.status_code not in (429, 500)
    detail = refused(booking.client().post(f"{path}/cancel", headers=token))
    assert detail.startswith("too many changes to this booking: at most 2 per hour")
    # Someone without the token does not use up the client's budget, and staff are not counted.
    assert client.post(f"{path}/cancel", headers={"X-Booking-Token": "not-the-token"}).status_code == 404
    assert client.post(f"{path}/cancel", headers={"X-API-Key": booking.staff_key}).status_code == 200


def test_the_tokens_of_idempotency_replays_share_one_budget_of_changes(booking: Booking) -> None:
    """A replay hands out another working token; it must not bring another budget of changes (and emails)."""
    body, key = booking_request(), {"Idempotency-Key": uuid.uuid4().hex}
    tokens = [booking.client().post("/bookings", json=body, headers=key).json() for _ in range(3)]
    path = f"/bookings/{tokens[0]['id']}"
    later = SLOT.replace(hour=14).isoformat()
    for made in tokens[:2]:
        answer = booking.client().post(
            f"{path}/reschedule", json={"start": later}, headers={"X-Booking-Token": made["token"]}
        )
        assert answer.status_code not in (429, 500), answer.text
    refused(booking.client().post(f"{path}/cancel", headers={"X-Booking-Token": tokens[2]["token"]}))


def test_a_limiter_whose_redis_is_down_lets_every_booking_in(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with (
        caplog.at_level(logging.WARNING, logger="clinic.rate_limits"),
        booking_apis(tmp_path, closed, RATE_LIMIT_BOOKINGS_PER_ADDRESS="1/minute") as apis,
    ):
        client = apis.client("198.51.100.7")
        answers = [client.post("/bookings", json=booking_request("same@example.com")) for _ in range(4)]
        assert [a.status_code for a in answers] == [202] * 4
        booked = {a.json()["id"] for a in answers}
        for accepted in answers:
            read = client.get(
                f"/bookings/{accepted.json()['id']}", headers={"X-Booking-Token": accepted.json()["token"]}
            )
            assert read.status_code == 200
    assert len(booked) == 4
    warnings = [r.getMessage() for r in caplog.records if r.name == "clinic.rate_limits"]
    assert len(warnings) == 1 and "cannot be reached" in warnings[0]
    assert "198.51.100.7" not in warnings[0] and "same@example.com" not in warnings[0]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory, broker: Server) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('limited-catalog') / 'catalog.db'}"
    with service_database("catalog", url) as service:
        wiring = catalog_bootstrap(
            CatalogSettings(database_url=url, redis_url=broker.url, admin_api_key=service.staff_key, **LIMITS)
        )
        with TestClient(catalog_app(wiring)) as client:
            yield client, service.staff_key
        wiring.database.reset()


def test_sign_in_attempts_are_limited_per_email_even_with_the_right_password(
    catalog: tuple[TestClient, str],
) -> None:
    client, staff_key = catalog
    email = f"desk-{uuid.uuid4().hex[:6]}@clinic.example"
    body = {
        "email": email,
        "name": "Desk",
        "role": "front_desk",
        "locations": ["main"],
        "password": "right-password-12",
    }
    assert client.post("/staff/accounts", json=body, headers={"X-API-Key": staff_key}).status_code == 201
    wrong = {"email": email, "password": "wrong-password-12"}
    for _ in range(2):
        assert (
            TestClient(client.app, client=(next(_addresses), 1)).post("/staff/sessions", json=wrong).status_code == 401
        )
    right = {"email": email.upper(), "password": "right-password-12"}
    detail = refused(TestClient(client.app, client=(next(_addresses), 1)).post("/staff/sessions", json=right))
    assert detail.startswith("too many sign-in attempts for this account: at most 2 per minute")


def test_sign_in_attempts_are_limited_per_address(catalog: tuple[TestClient, str]) -> None:
    client = TestClient(catalog[0].app, client=(next(_addresses), 1))
    for n in range(3):
        attempt = {"email": f"nobody-{n}-{uuid.uuid4().hex[:6]}@clinic.example", "password": "guess-guess-1"}
        assert client.post("/staff/sessions", json=attempt).status_code == 401
    detail = refused(client.post("/staff/sessions", json={"email": "x@clinic.example", "password": "guess-guess-1"}))
    assert detail.startswith("too many sign-in attempts from your address: at most 3 per minute")
