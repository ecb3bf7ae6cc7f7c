"""Every list endpoint answers a page: `limit` (default 100, at most 500) and `offset`, still a JSON list,
with a `Link: <...>; rel="next"` header while more follow. Walking the pages one item at a time by
their links gives the whole list, in order, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import BookingService
from tests.integration.test_catalog_api import CatalogApi, seeded_catalog
from tests.integration.test_intake_api import (
    THINNERS,
    placed,
    service,  # noqa: F401  # fixture: the booking API with its questionnaire
    staff,
)
from tests.integration.test_notifications_api import (
    NotificationsApi,
    a_client,
    notifications,  # noqa: F401  # fixture
)


def walk(client: TestClient, path: str, params: dict[str, str], headers: dict[str, str]) -> list[Any]:
    """The list at `path`, one item per page, following each page's Link rel="next" to the end."""
    found: list[Any] = []
    answer = client.get(path, params={**params, "limit": "1"}, headers=headers)
    while True:
        assert answer.status_code == 200, answer.text
        assert len(answer.json()) == 1
        found += answer.json()
        link = answer.headers.get("Link")
        if link is None:
            return found
        target, relation = link.split(";")
        assert relation.strip() == 'rel="next"' and target.startswith(f"<{path}?")
        answer = client.get(target.strip()[1:-1], headers=headers)


def pages_through(client: TestClient, path: str, params: dict[str, str], headers: dict[str, str]) -> list[Any]:
    """Check one list endpoint's paging; its whole list."""
    whole = client.get(path, params=params, headers=headers)
    assert whole.status_code == 200, whole.text
    everything = whole.json()
    assert isinstance(everything, list) and len(everything) >= 2  # else paging proves nothing
    assert "Link" not in whole.headers  # the default page (100) holds it all
    assert walk(client, path, params, headers) == everything
    second = client.get(path, params={**params, "limit": "1", "offset": "1"}, headers=headers)
    assert second.json() == everything[1:2]
    past_the_end = client.get(path, params={**params, "offset": str(len(everything))}, headers=headers)
    assert past_the_end.status_code == 200 and past_the_end.json() == [] and "Link" not in past_the_end.headers
    for bad in ({"limit": "0"}, {"limit": "501"}, {"offset": "-1"}, {"limit": "many"}):
        refused = client.get(path, params={**params, **bad}, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["detail"].startswith(next(iter(bad)))
    return list(everything)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogApi]:
    with seeded_catalog(tmp_path_factory.mktemp("paged-catalog")) as api:
        north = {"name": "Clinic Nord", "address": "Nordstraße 2, Berlin"}
        assert api.client.put("/locations/north", json=north, headers=api.staff).status_code == 200
        yield api


@pytest.mark.parametrize(
    ("path", "needs_staff"),
    [
        ("/treatments", False),
        ("/locations", False),
        ("/questionnaires", False),
        ("/treatments/back-neck/therapists", False),
        ("/resources", True),
        ("/therapists", True),
    ],
)
def test_catalog_lists_come_in_pages(catalog: CatalogApi, path: str, needs_staff: bool) -> None:
    pages_through(catalog.client, path, {}, catalog.staff if needs_staff else {})


def test_a_page_keeps_the_lists_other_parameters(tmp_path: Path) -> None:
    with seeded_catalog(tmp_path) as fresh:
        therapists = pages_through(fresh.client, "/treatments/back-neck/therapists", {"location": "main"}, {})
        assert all("main" in t["locations"] for t in therapists)


def test_the_review_queue_comes_in_pages(service: BookingService) -> None:  # noqa: F811
    for hour in (10, 11, 13):
        placed(service, THINNERS, hour=hour)
    reviews = pages_through(service.client, "/reviews", {}, staff(service))
    assert all(r["status"] == "needs_review" for r in reviews)


def test_the_delivery_log_comes_in_pages(notifications: NotificationsApi) -> None:  # noqa: F811
    maria = a_client()
    booking_id = notifications.confirm(maria)
    staff_key = {"X-API-Key": notifications.staff_key}
    by_booking = pages_through(notifications.client, "/deliveries", {"booking_id": booking_id}, staff_key)
    assert {d["booking_id"] for d in by_booking} == {booking_id}
    notifications.confirm(maria)
    by_recipient = pages_through(notifications.client, "/deliveries", {}, {**staff_key, "X-Recipient": maria})
    assert len(by_recipient) >= 2
