"""ops.web: the pages as static files, where they find the APIs, and headers that keep them safe."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.web import create_app

URLS = {
    "WEB_CATALOG_URL": "https://catalog.clinic.example/",
    "WEB_BOOKING_URL": "https://booking.clinic.example",
    "WEB_NOTIFICATIONS_URL": "https://notifications.clinic.example",
}


def test_config_tells_the_pages_where_each_api_is() -> None:
    with TestClient(create_app(URLS)) as client:
        answer = client.get("/config.json")
    assert answer.json() == {
        "catalog": "https://catalog.clinic.example",
        "booking": "https://booking.clinic.example",
        "notifications": "https://notifications.clinic.example",
    }
    assert answer.headers["cache-control"] == "no-store"


def test_without_settings_the_pages_look_for_make_runs_apis() -> None:
    with TestClient(create_app({})) as client:
        assert client.get("/config.json").json()["booking"] == "http://127.0.0.1:8002"


def test_pages_are_served_with_headers_that_allow_only_this_origins_code_and_the_apis() -> None:
    with TestClient(create_app(URLS)) as client:
        index = client.get("/")
        module = client.get("/common/api.js")
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    assert module.status_code == 200 and "javascript" in module.headers["content-type"]
    policy = index.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "form-action 'none'" in policy
    assert "connect-src 'self' https://booking.clinic.example https://catalog.clinic.example" in policy
    assert index.headers["referrer-policy"] == "no-referrer"
    assert index.headers["x-frame-options"] == "DENY"


def test_a_missing_page_is_a_404_not_a_500() -> None:
    with TestClient(create_app(URLS)) as client:
        assert client.get("/nowhere/").status_code == 404
