"""A catalog copy holding a number outside the catalog's ranges (stored before the catalog checked them) is
refused with a 422 and a log line, never a 500; a booking of it already waiting is rejected, not left
pending. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from services.booking.adapters.repository import SqlRepository
from services.catalog.domain import seed
from shared.db import transaction
from shared.events import LocationPublished, TreatmentPublished
from tests.integration.booking.test_retired_location import BookingApi, booking_api
from tests.support import servers
from tests.support.clock import at, working_day


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None) -> Iterator[BookingApi]:
    with booking_api(request.param, tmp_path, postgres_admin) as service:
        yield service


def cupping(revision: int, **changes: object) -> TreatmentPublished:
    (spec,) = [t for t in seed.TREATMENTS if t.slug == "back-leg-cupping"]
    values = {k: v for k, v in asdict(spec).items() if k != "details"}
    return TreatmentPublished(**{**values, "revision": revision, **changes})


def store_as_is(api: BookingApi, payload: TreatmentPublished | LocationPublished) -> None:
    """A copy as it was kept before the booking service checked what it keeps."""
    with transaction(api.writer) as session:
        SqlRepository(session).keep_copy(payload)


def ask(api: BookingApi) -> str:
    body = {
        "treatment": "back-leg-cupping",
        "start": at(working_day(3), 10).isoformat(),
        "client": {"name": "Maria Schmidt", "email": "maria@example.com"},
    }
    answer = api.client.post("/bookings", json=body)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def test_a_huge_buffer_in_the_copy_is_a_422_and_its_pending_booking_is_rejected(
    api: BookingApi, caplog: pytest.LogCaptureFixture
) -> None:
    waiting = ask(api)
    store_as_is(api, cupping(2, buffer_minutes={"room": 5_000_000_000_000}))
    with caplog.at_level(logging.WARNING):
        free = api.client.get("/availability", params={"treatment": "back-leg-cupping"})
        assert free.status_code == 422 and "cannot be booked" in free.json()["detail"], free.text
        body = {
            "treatment": "back-leg-cupping",
            "start": at(working_day(3), 12).isoformat(),
            "client": {"name": "Maria Schmidt", "email": "maria@example.com"},
        }
        assert api.client.post("/bookings", json=body).status_code == 422
        api.place(waiting)
    assert "buffer_minutes out of range" in caplog.text
    read = api.client.get(f"/bookings/{waiting}", headers=api.staff).json()
    assert (read["status"], read["reason"]) == ("rejected", "this treatment cannot be booked at the moment")


def test_a_huge_advance_in_a_location_copy_is_a_422_not_a_500(api: BookingApi) -> None:
    main = seed.LOCATIONS[0]
    store_as_is(api, LocationPublished(**{**asdict(main), "revision": 2, "max_advance_days": 10**8}))
    free = api.client.get("/availability", params={"treatment": "back-leg-cupping"})
    assert free.status_code == 422 and "cannot take bookings" in free.json()["detail"], free.text


def test_an_event_out_of_range_is_logged_and_not_kept(api: BookingApi, caplog: pytest.LogCaptureFixture) -> None:
    main = seed.LOCATIONS[0]
    with caplog.at_level(logging.WARNING):
        api.publish(
            LocationPublished(**{**asdict(main), "revision": 2, "max_advance_days": 10**12}),
            cupping(2, buffer_minutes={"room": 1_000_000}),
        )
    assert "max_advance_days out of range" in caplog.text and "buffer_minutes out of range" in caplog.text
    free = api.client.get("/availability", params={"treatment": "back-leg-cupping", "date": working_day(3).isoformat()})
    assert free.status_code == 200 and free.json()["slots"], free.text  # the last good copy still answers
