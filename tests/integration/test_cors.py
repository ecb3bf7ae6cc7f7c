"""CORS on every API: a page on a configured origin may call it from a browser, any other origin
gets no CORS headers (so the browser refuses to hand it the answer)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.booking.bootstrap import bootstrap as booking_bootstrap
from services.booking.config import BookingSettings
from services.booking.entrypoints.api import create_app as booking_app
from services.catalog.bootstrap import bootstrap as catalog_bootstrap
from services.catalog.config import CatalogSettings
from services.catalog.entrypoints.api import create_app as catalog_app
from services.notifications.bootstrap import bootstrap as notifications_bootstrap
from services.notifications.config import NotificationSettings
from services.notifications.entrypoints.api import create_app as notifications_app

PAGE = "http://127.0.0.1:8000"
ORIGINS = f"{PAGE}, https://book.clinic.example/"


def _apps(tmp: Path) -> dict[str, FastAPI]:
    return {
        "catalog": catalog_app(
            catalog_bootstrap(CatalogSettings(database_url=f"sqlite:///{tmp}/c.db", cors_origins=ORIGINS))
        ),
        "booking": booking_app(
            booking_bootstrap(BookingSettings(database_url=f"sqlite:///{tmp}/b.db", cors_origins=ORIGINS))
        ),
        "notifications": notifications_app(
            notifications_bootstrap(NotificationSettings(database_url=f"sqlite:///{tmp}/n.db", cors_origins=ORIGINS))
        ),
    }


@pytest.fixture(params=["catalog", "booking", "notifications"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_apps(tmp_path)[request.param]) as client:
        yield client


def _preflight(client: TestClient, origin: str, headers: str = "content-type,idempotency-key,x-booking-token"):
    return client.options(
        "/health",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


@pytest.mark.parametrize("origin", [PAGE, "https://book.clinic.example"])
def test_a_configured_origin_passes_the_preflight_and_reads_the_answer(client: TestClient, origin: str) -> None:
    preflight = _preflight(client, origin)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"idempotency-key", "x-booking-token", "authorization", "content-type"} <= set(allowed.split(", "))
    assert "x-api-key" not in allowed

    answer = client.get("/health", headers={"Origin": origin})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == origin
    assert "x-correlation-id" in answer.headers["access-control-expose-headers"].lower()
    assert answer.headers["cache-control"] == "no-store"


def test_a_page_may_send_a_staff_token_but_never_the_machine_key(client: TestClient) -> None:
    """The machine key (X-API-Key) is for machine-to-machine calls: no browser page may send it."""
    assert _preflight(client, PAGE, "authorization,content-type").status_code == 200
    refused = _preflight(client, PAGE, "x-api-key")
    assert refused.status_code == 400
    assert "x-api-key" not in refused.headers.get("access-control-allow-headers", "").lower()


def test_another_origin_gets_no_cors_headers(client: TestClient) -> None:
    preflight = _preflight(client, "https://evil.example")
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers

    answer = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_no_origin_is_allowed_unless_configured(tmp_path: Path) -> None:
    app = catalog_app(catalog_bootstrap(CatalogSettings(database_url=f"sqlite:///{tmp_path}/c.db")))
    with TestClient(app) as client:
        assert "access-control-allow-origin" not in _preflight(client, PAGE).headers
