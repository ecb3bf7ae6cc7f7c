"""Guidance through the catalog API on a fresh SQLite file.

A client names where it hurts and why, in English or German, and gets the treatments ranked from the
catalog's own data with a reason in their language and the warning signs that need a doctor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from tests.integration.test_catalog_api import CatalogApi, reason_given, seeded_catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogApi]:
    """Read only: tests that change the catalog take `fresh_catalog`."""
    with seeded_catalog(tmp_path_factory.mktemp("guidance-api")) as api:
        yield api


@pytest.fixture
def fresh_catalog(tmp_path: Path) -> Iterator[CatalogApi]:
    with seeded_catalog(tmp_path) as api:
        yield api


def guide(
    catalog: CatalogApi, areas: Sequence[str] = (), complaints: Sequence[str] = (), locale: str = "en"
) -> Response:
    return catalog.client.post("/guidance", json={"areas": [*areas], "complaints": [*complaints], "locale": locale})


def ranked(response: Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [fit["slug"] for fit in response.json()["treatments"]]


# ---- guidance -----------------------------------------------------------------------------------

CASES = {
    "sciatica": ("complaints", "sciatica", "en", "back-leg-cupping", "Helps with sciatica."),
    "calves": ("areas", "calves", "en", "back-leg-cupping", "Works on the calves."),
    "neck": ("areas", "neck", "en", "back-neck", "Works on the neck."),
    "shoulders": ("areas", "shoulders", "en", "back-neck", "Works on the shoulders."),
    "Ischias": ("complaints", "Ischias", "de", "back-leg-cupping", "Hilft bei Ischiasbeschwerden."),
    "Waden": ("areas", "Waden", "de", "back-leg-cupping", "Behandelt die Waden."),
    "Nacken": ("areas", "Nacken", "de", "back-neck", "Behandelt den Nacken."),
    "Schultern": ("areas", "Schultern", "de", "back-neck", "Behandelt die Schultern."),
}


@pytest.mark.parametrize("case", CASES)
def test_the_treatment_for_what_hurts_comes_first_with_a_reason_in_the_clients_language(
    catalog: CatalogApi, case: str
) -> None:
    kind, term, locale, first, reason = CASES[case]
    offered = {t["slug"]: t for t in catalog.client.get("/treatments").json()}

    response = catalog.client.post("/guidance", json={kind: [term], "locale": locale})

    assert ranked(response)[0] == first
    assert sorted(ranked(response)) == sorted(offered)  # every active treatment, the others after it
    best, *rest = response.json()["treatments"]
    assert best["reason"] == reason
    assert best["score"] > 0 and all(other["score"] < best["score"] for other in rest)
    listed = offered[first]
    name = listed["translations"]["de"]["name"] if locale == "de" else listed["name"]
    assert (best["name"], best["duration_minutes"], best["price"]) == (
        name,
        listed["duration_minutes"],
        listed["price"],
    )


def test_sciatica_brings_the_advice_to_see_a_doctor_today_for_its_warning_signs(catalog: CatalogApi) -> None:
    english = guide(catalog, complaints=["sciatica"]).json()["red_flags"]
    german = guide(catalog, complaints=["Ischias"], locale="de").json()["red_flags"]

    assert [flag["complaint"] for flag in english] == [flag["complaint"] for flag in german] == ["sciatica"]
    assert all(word in english[0]["advice"] for word in ("saddle", "bladder", "bowel", "weaker", "today"))
    assert all(word in german[0]["advice"] for word in ("Reithosenbereich", "Blase", "Darm", "schwächer", "heute"))


def test_both_kinds_of_match_make_one_sentence_and_the_rest_come_last(catalog: CatalogApi) -> None:
    response = guide(catalog, areas=["Waden"], complaints=["Ischias"], locale="de")

    best, last = response.json()["treatments"]
    assert (best["slug"], best["reason"]) == ("back-leg-cupping", "Hilft bei Ischiasbeschwerden; behandelt die Waden.")
    assert (last["slug"], last["score"], last["reason"]) == ("back-neck", 0, "Nicht für Ihre Angaben gedacht.")


def test_staff_changing_what_a_treatment_works_on_changes_the_ranking(fresh_catalog: CatalogApi) -> None:
    catalog = fresh_catalog
    assert ranked(guide(catalog, areas=["calves", "neck"])) == ["back-leg-cupping", "back-neck"]  # a tie, by name
    back_neck = catalog.client.get("/treatments/back-neck").json()
    body = {k: v for k, v in back_neck.items() if k not in ("slug", "revision")}

    changed = catalog.client.put(
        "/treatments/back-neck", json={**body, "areas": [*body["areas"], "calves"]}, headers=catalog.staff
    )

    assert changed.status_code == 200, changed.text
    response = guide(catalog, areas=["calves", "neck"])
    assert ranked(response) == ["back-neck", "back-leg-cupping"]
    assert response.json()["treatments"][0]["reason"] == "Works on the calves and the neck."


def test_an_unknown_term_is_refused_naming_it_and_the_known_codes(catalog: CatalogApi) -> None:
    response = guide(catalog, areas=["neck", "Ellbogen"])

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("unknown area 'Ellbogen'; known: ")
    vocabulary = catalog.client.get("/guidance/vocabulary").json()
    assert all(area["code"] in detail for area in vocabulary["areas"])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"areas": [], "complaints": []}, "name at least one area or complaint"),
        ({"areas": ["neck"] * 21}, "areas: List should have at most 20 items"),
        ({"complaints": ["x" * 61]}, "complaints.0: String should have at most 60 characters"),
        ({"areas": ["neck"], "locale": "fr"}, "locale: Input should be 'en' or 'de'"),
    ],
    ids=["nothing-named", "too-many", "too-long", "unknown-language"],
)
def test_guidance_refuses_requests_it_cannot_answer(catalog: CatalogApi, body: dict[str, Any], reason: str) -> None:
    response = catalog.client.post("/guidance", json=body)
    assert response.status_code == 422
    assert reason in reason_given(response)


def test_the_vocabulary_lists_areas_and_complaints_in_the_clients_language(catalog: CatalogApi) -> None:
    english = catalog.client.get("/guidance/vocabulary").json()
    german = catalog.client.get("/guidance/vocabulary", params={"locale": "de"}).json()

    assert {"code": "calves", "label": "Waden"} in german["areas"]
    assert {"code": "sciatica", "label": "sciatica"} in english["complaints"]
    assert [a["code"] for a in english["areas"]] == [a["code"] for a in german["areas"]]
    assert catalog.client.get("/guidance/vocabulary", params={"locale": "fr"}).status_code == 422
