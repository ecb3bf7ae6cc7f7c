"""Every number staff enter in the catalog has a documented range: outside it, a 422 naming the field, and
nothing saved or announced (an unbounded buffer once made every availability question a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_catalog_api import CatalogApi, seeded_catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogApi]:
    with seeded_catalog(tmp_path_factory.mktemp("catalog-bounds")) as api:
        yield api


def treatment(catalog: CatalogApi, **changes: Any) -> dict[str, Any]:
    body = catalog.client.get("/treatments/back-leg-cupping").json()
    return {**{k: v for k, v in body.items() if k not in ("slug", "revision")}, **changes}


def location(catalog: CatalogApi, **changes: Any) -> dict[str, Any]:
    (main,) = [loc for loc in catalog.client.get("/locations").json() if loc["code"] == "main"]
    return {**{k: v for k, v in main.items() if k not in ("code", "revision")}, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"buffer_minutes": {"room": 5_000_000_000_000}}, "buffer_minutes"),
        ({"buffer_minutes": {"room": 1_000_000}}, "buffer_minutes"),
        ({"buffer_minutes": {"room": 245}}, "buffer_minutes"),
        ({"buffer_minutes": {"room": -5}}, "buffer_minutes"),
        ({"duration_minutes": 485}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"required_resources": {"room": 5}}, "required_resources"),
        ({"required_resources": {"room": 10**20}}, "required_resources"),
    ],
)
def test_a_treatment_number_out_of_range_is_refused(catalog: CatalogApi, changes: dict[str, Any], field: str) -> None:
    before = catalog.outbox_size()
    answer = catalog.client.put("/treatments/bounded", json=treatment(catalog, **changes), headers=catalog.staff)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert catalog.outbox_size() == before
    assert catalog.client.get("/treatments/bounded").status_code == 404


def test_the_edges_of_each_treatment_range_are_accepted(catalog: CatalogApi) -> None:
    body = treatment(catalog, duration_minutes=480, buffer_minutes={"room": 240, "cupping_kit": 0})
    answer = catalog.client.put("/treatments/edge-of-range", json=body, headers=catalog.staff)
    assert answer.status_code == 200, answer.text
    assert answer.json()["buffer_minutes"] == {"room": 240, "cupping_kit": 0}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_advance_days": 10**12}, "max_advance_days"),
        ({"max_advance_days": 731}, "max_advance_days"),
        ({"min_notice_minutes": 43_201}, "min_notice_minutes"),
        ({"min_notice_minutes": -1}, "min_notice_minutes"),
        ({"slot_grid_minutes": 0}, "slot_grid_minutes"),
        ({"slot_grid_minutes": 245}, "slot_grid_minutes"),
    ],
)
def test_a_location_number_out_of_range_is_refused(catalog: CatalogApi, changes: dict[str, Any], field: str) -> None:
    before = catalog.outbox_size()
    answer = catalog.client.put("/locations/bounded", json=location(catalog, **changes), headers=catalog.staff)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert catalog.outbox_size() == before


def test_time_off_far_away_or_too_long_is_refused(catalog: CatalogApi) -> None:
    for start, end in [
        ("9999-12-30T00:00:00+01:00", "9999-12-31T00:00:00+01:00"),
        ("2026-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00"),
    ]:
        answer = catalog.client.post(
            "/therapists/anna-keller/time-off", json={"start": start, "end": end}, headers=catalog.staff
        )
        assert answer.status_code == 422, answer.text
        assert "time off" in answer.json()["detail"]
