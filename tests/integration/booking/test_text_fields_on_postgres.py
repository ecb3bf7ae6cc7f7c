"""A NUL or other control character in a client's text is a 422 before anything is written: PostgreSQL
refuses NUL in text, so it must never reach the saga or the notifications. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.booking.adapters import orm
from tests.integration.booking.test_retired_location import BookingApi, booking_api
from tests.support import servers
from tests.support.clock import at, working_day


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None) -> Iterator[BookingApi]:
    with booking_api(request.param, tmp_path, postgres_admin) as service:
        yield service


def rows(api: BookingApi) -> tuple[int, int]:
    """Bookings and outbox messages written so far."""
    with api.writer() as session:
        bookings = session.execute(select(func.count()).select_from(orm.booking)).scalar_one()
        events = session.execute(select(func.count()).select_from(orm.outbox.outbox)).scalar_one()
    return int(bookings), int(events)


def request(**client: str) -> dict[str, object]:
    return {
        "treatment": "back-leg-cupping",
        "start": at(working_day(3), 10).isoformat(),
        "client": {"name": "Maria Schmidt", "email": "maria@example.com", **client},
    }


@pytest.mark.parametrize(
    "client",
    [
        {"name": "Maria\x00Schmidt"},
        {"name": "Maria\tSchmidt"},
        {"name": "Maria\u2028Schmidt"},
        {"name": "Maria\x1b[31mSchmidt"},
        {"name": "Maria\x85Schmidt"},
        {"name": "Maria\ud800Schmidt"},  # a lone surrogate: no UTF-8 for it
        {"email": "maria\x00@example.com"},
        {"phone": "+49 30\x00 1234567"},
    ],
)
def test_a_control_character_in_a_clients_text_is_a_422_and_nothing_is_written(
    api: BookingApi, client: dict[str, str]
) -> None:
    before = rows(api)
    # As a client's JSON says it (\u escapes): a lone surrogate has no UTF-8 of its own.
    raw = json.dumps(request(**client))
    answer = api.client.post("/bookings", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert rows(api) == before


def test_a_nul_in_a_code_or_a_reason_is_a_422(api: BookingApi) -> None:
    answer = api.client.post("/bookings", json={**request(), "treatment": "back-leg-cupping\x00"})
    assert answer.status_code == 422, answer.text
    made = api.client.post("/bookings", json=request())
    assert made.status_code == 202, made.text
    cancel = api.client.post(f"/bookings/{made.json()['id']}/cancel", json={"reason": "ill\x00"}, headers=api.staff)
    assert cancel.status_code == 422, cancel.text
    read = api.client.get(f"/bookings/{made.json()['id']}", headers=api.staff)
    assert read.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/bookings/a%00b", {}),
        ("POST", "/bookings/a%00b/cancel", {}),
        ("GET", "/schedule/therapist/anna%00keller", {}),
        ("GET", "/availability", {"treatment": "back-leg-cupping", "location": "main\x00"}),
        ("GET", "/availability", {"treatment": "back-leg-cupping", "therapist": "x" * 65}),
    ],
)
def test_a_nul_or_an_overlong_code_in_a_path_or_query_is_a_422(
    api: BookingApi, method: str, path: str, params: dict[str, str]
) -> None:
    """Ids, codes and query strings are bounded lines too: a NUL there would reach PostgreSQL's lookup."""
    answer = api.client.request(method, path, params=params, headers=api.staff)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"], answer.text
