"""Text staff send the catalog refuses NUL and other control characters with a 422 (tab and line breaks only
where text spans lines) and is bounded in length; nothing is saved or announced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_bounds import location, treatment
from tests.integration.test_catalog_api import CatalogApi, seeded_catalog, therapist


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogApi]:
    with seeded_catalog(tmp_path_factory.mktemp("catalog-text")) as api:
        yield api


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/treatments/t-nul", lambda c: treatment(c, name="Cupping\x00")),
        ("/treatments/t-tab", lambda c: treatment(c, name="Cupping\tdeluxe")),
        ("/treatments/t-long", lambda c: treatment(c, name="x" * 201)),
        ("/treatments/t-summary", lambda c: treatment(c, summary="calm\x07")),
        ("/treatments/t-details", lambda c: treatment(c, details={"techniques": ["glide", "bad\x00"]})),
        ("/treatments/t-skill", lambda c: treatment(c, required_skills=["cupping\x00"])),
        ("/treatments/t-de", lambda c: treatment(c, translations={"de": {"summary": "ruhig\x1b"}})),
        ("/locations/l-nul", lambda c: location(c, name="West\x00")),
        ("/locations/l-addr", lambda c: location(c, address="Street 1\x0c")),
        ("/therapists/t-name", lambda c: therapist("Eva\x00Brandt")),
        ("/therapists/t-mail", lambda c: therapist(email="eva\x00@clinic.example")),
        ("/therapists/t-line", lambda c: therapist("Eva\u2029Brandt")),
    ],
)
def test_a_control_character_or_an_overlong_text_is_a_422(catalog: CatalogApi, path: str, body: Any) -> None:
    before = catalog.outbox_size()
    answer = catalog.client.put(path, json=body(catalog), headers=catalog.staff)
    assert answer.status_code == 422, answer.text
    assert catalog.outbox_size() == before
    assert catalog.client.get(path).status_code in (404, 405)


def test_text_that_spans_lines_keeps_its_line_breaks(catalog: CatalogApi) -> None:
    body = treatment(catalog, summary="Calm.\nThen warm.\tRest.", details={"note": "first line\nsecond"})
    answer = catalog.client.put("/treatments/two-lines", json=body, headers=catalog.staff)
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"] == "Calm.\nThen warm.\tRest."
