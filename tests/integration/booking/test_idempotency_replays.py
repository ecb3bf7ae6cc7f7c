"""Replays of one Idempotency-Key: twins racing through the API make one booking and every token handed out
opens it; the same instant written with another UTC offset is the same request. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.booking.adapters import orm
from tests.integration.booking.test_retired_location import BookingApi, booking_api
from tests.support import servers
from tests.support.clock import at, working_day

TWINS = 20


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None) -> Iterator[BookingApi]:
    with booking_api(request.param, tmp_path, postgres_admin) as service:
        yield service


def body(start: datetime) -> dict[str, object]:
    return {
        "treatment": "back-leg-cupping",
        "start": start.isoformat(),
        "client": {"name": "Maria Schmidt", "email": "maria@example.com"},
    }


def bookings_with(api: BookingApi, key: str) -> int:
    with api.writer() as session:
        query = select(func.count()).select_from(orm.booking).where(orm.booking.c.idempotency_key == key)
        return int(session.execute(query).scalar_one())


def test_every_twin_of_a_request_gets_a_token_that_opens_the_one_booking(api: BookingApi) -> None:
    key = f"attempt-{uuid.uuid4()}"
    request = body(at(working_day(3), 10))
    headers = {"Idempotency-Key": key}
    with ThreadPoolExecutor(max_workers=TWINS) as pool:
        answers = list(pool.map(lambda _: api.client.post("/bookings", json=request, headers=headers), range(TWINS)))
    assert [a.status_code for a in answers] == [202] * TWINS, [a.text for a in answers if a.status_code != 202]
    (booking_id,) = {a.json()["id"] for a in answers}
    assert bookings_with(api, key) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == TWINS - 1
    tokens = {a.json()["token"] for a in answers}
    assert len(tokens) == TWINS
    for token in tokens:
        read = api.client.get(f"/bookings/{booking_id}", headers={"X-Booking-Token": token})
        assert read.status_code == 200, read.text
    # a token of no answer still opens nothing
    assert api.client.get(f"/bookings/{booking_id}", headers={"X-Booking-Token": "guess"}).status_code == 404


def test_the_same_instant_with_another_offset_is_the_same_request(api: BookingApi) -> None:
    key = {"Idempotency-Key": f"attempt-{uuid.uuid4()}"}
    start = at(working_day(3), 11)
    first = api.client.post("/bookings", json=body(start.astimezone(UTC)), headers=key)
    assert first.status_code == 202, first.text
    elsewhere = start.astimezone(timezone(timedelta(hours=-5)))
    again = api.client.post("/bookings", json=body(elsewhere), headers=key)
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    for answer in (first, again):  # both tokens open it
        read = api.client.get(f"/bookings/{first.json()['id']}", headers={"X-Booking-Token": answer.json()["token"]})
        assert read.status_code == 200
    other = api.client.post("/bookings", json=body(start + timedelta(minutes=15)), headers=key)
    assert other.status_code == 422 and "different booking request" in other.json()["detail"]
