"""Size bounds on what a client sends: a body over MAX_BODY_BYTES (declared or streamed in chunks), a
query string over 8 KiB and headers over 16 KiB are refused with a message before any of it is used.

The booking API as its tests run it (tests/integration/conftest.py), plus one real uvicorn for what
arrives over a socket (a body without Content-Length, headers in one read)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from services.catalog.bootstrap import bootstrap as catalog_bootstrap
from services.catalog.config import CatalogSettings
from services.catalog.entrypoints.api import create_app as catalog_app
from shared.rate_limits import MAX_HEADER_BYTES, MAX_QUERY_BYTES
from tests.integration.conftest import BookingService
from tests.support.apps import service_database
from tests.support.clock import at, next_weekday
from tests.support.servers import free_port

LIMIT = 64 * 1024  # MAX_BODY_BYTES' default
TOO_LARGE = f"the request body is larger than {LIMIT} bytes, the most this API accepts (MAX_BODY_BYTES)"


def booking_body(size: int) -> bytes:
    """A booking request of exactly `size` bytes (its client's name padded)."""
    body: dict[str, Any] = {
        "treatment": "back-leg-cupping",
        "start": at(next_weekday(1, 2), 13).isoformat(),
        "client": {"name": "", "email": f"big.{uuid.uuid4().hex[:8]}@example.com"},
    }
    body["client"]["name"] = "x" * (size - len(json.dumps(body).encode()))
    encoded = json.dumps(body).encode()
    assert len(encoded) == size
    return encoded


def chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def booking_count(service: BookingService) -> int:
    with service.db.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM booking").scalar_one())


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(booking_service: BookingService) -> None:
    before = booking_count(booking_service)
    answer = booking_service.client.post(
        "/bookings", content=booking_body(LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_LARGE}
    assert booking_count(booking_service) == before


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(booking_service: BookingService) -> None:
    before = booking_count(booking_service)
    answer = booking_service.client.post(
        "/bookings", content=chunks(booking_body(LIMIT + 1)), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in answer.request.headers  # streamed: only its bytes tell
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_LARGE}
    assert booking_count(booking_service) == before


def test_a_body_at_the_limit_reaches_validation(booking_service: BookingService) -> None:
    answer = booking_service.client.post(
        "/bookings", content=booking_body(LIMIT), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422  # refused for what it says (a name that long), not for its size
    assert answer.json()["detail"].startswith("client.name")


def test_a_declared_body_over_the_limit_is_refused_where_nobody_reads_a_body(
    booking_service: BookingService,
) -> None:
    answer = booking_service.client.request("GET", "/health", content=b"x" * (LIMIT + 1))
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_LARGE}


def test_a_query_string_over_8_kib_is_refused(booking_service: BookingService) -> None:
    answer = booking_service.client.get("/availability", params={"treatment": "x" * MAX_QUERY_BYTES})
    assert answer.status_code == 414
    assert "query string is longer than 8192 bytes" in answer.json()["detail"]
    fits = booking_service.client.get("/availability", params={"treatment": "x" * 100})
    assert fits.status_code not in (413, 414, 431)


def test_headers_over_16_kib_are_refused(booking_service: BookingService) -> None:
    answer = booking_service.client.get("/health", headers={"X-Padding": "x" * MAX_HEADER_BYTES})
    assert answer.status_code == 431
    assert "headers are larger than 16384 bytes" in answer.json()["detail"]
    assert booking_service.client.get("/health", headers={"X-Padding": "x" * 1000}).status_code == 200


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The catalog API under a real uvicorn (h11, as `make run` and compose serve it)."""
    directory: Path = tmp_path_factory.mktemp("served-catalog")
    url = f"sqlite:///{directory / 'catalog.db'}"
    with service_database("catalog", url) as service:
        wiring = catalog_bootstrap(CatalogSettings(database_url=url, admin_api_key=service.staff_key))
        port = free_port()
        config = uvicorn.Config(catalog_app(wiring), host="127.0.0.1", port=port, log_level="warning", http="h11")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)
        wiring.database.reset()


def test_over_a_socket_a_chunked_body_and_large_headers_are_refused(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        streamed = client.put(
            "/locations/big",
            content=chunks(b"{" + b" " * (LIMIT + 1) + b"}"),
            headers={"Content-Type": "application/json", "X-API-Key": "any"},
        )
        assert streamed.request.headers.get("transfer-encoding") == "chunked"
        assert streamed.status_code == 413
        assert streamed.json() == {"detail": TOO_LARGE}
        # h11 alone would take a header block of any size that arrives in one read.
        padded = client.get("/treatments", headers={"X-Padding": "x" * (4 * MAX_HEADER_BYTES)})
        assert padded.status_code == 431
        assert client.get("/treatments").status_code == 200
