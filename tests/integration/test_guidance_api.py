"""Guidance and intake questionnaires through the catalog API on a fresh SQLite file.

A client names where it hurts and why, in English or German, and gets the treatments ranked from the
catalog's own data with a reason in their language and the warning signs that need a doctor. Staff keep
each treatment's intake questionnaire; every saved version is announced in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from tests.integration.test_catalog_api import CatalogApi, reason_given, seeded_catalog

QUESTIONNAIRE_PUBLISHED = "catalog.questionnaire_published"


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


# ---- intake questionnaires ----------------------------------------------------------------------


def test_anyone_reads_the_cupping_questionnaire_and_its_version(catalog: CatalogApi) -> None:
    response = catalog.client.get("/questionnaires/back-leg-cupping")

    assert response.status_code == 200, response.text
    asked = response.json()
    assert (asked["treatment"], asked["revision"], asked["alternative"]) == ("back-leg-cupping", 1, "back-neck")
    codes = {q["code"]: q for q in asked["questions"]}
    assert {"blood_thinners", "fever", "clots", "saddle_numbness", "bladder_bowel", "leg_weakness", "notes"} <= set(
        codes
    )
    yes = codes["saddle_numbness"]["options"][0]
    assert (yes["value"], yes["outcome"]) == ("yes", "refer")
    assert yes["advice"]["en"] and yes["advice"]["de"]
    listed = catalog.client.get("/questionnaires").json()
    assert [q["treatment"] for q in listed] == ["back-leg-cupping", "back-neck"]


def test_a_treatment_without_a_questionnaire_has_none_to_read(catalog: CatalogApi) -> None:
    response = catalog.client.get("/questionnaires/hot-stones")
    assert response.status_code == 404
    assert response.json()["detail"] == "no questionnaire for treatment 'hot-stones'"


def _questions(catalog: CatalogApi, treatment: str) -> dict[str, Any]:
    asked = catalog.client.get(f"/questionnaires/{treatment}").json()
    return {k: v for k, v in asked.items() if k not in ("treatment", "revision")}


def test_staff_change_a_questionnaire_and_each_version_is_announced(fresh_catalog: CatalogApi) -> None:
    catalog = fresh_catalog
    body = _questions(catalog, "back-neck")
    body["questions"] = [q for q in body["questions"] if q["code"] != "notes"]
    before = catalog.outbox_size()

    assert catalog.client.put("/questionnaires/back-neck", json=body).status_code == 401
    response = catalog.client.put("/questionnaires/back-neck", json=body, headers=catalog.staff)

    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    assert catalog.outbox_size() == before + 1
    announced = [p for p in catalog.announcements(QUESTIONNAIRE_PUBLISHED) if p["treatment"] == "back-neck"]
    assert [p["revision"] for p in announced] == [1, 2]  # the seed's, then staff's
    assert "notes" not in [q["code"] for q in announced[-1]["questions"]]
    again = catalog.client.put("/questionnaires/back-neck", json=body, headers=catalog.staff)
    assert again.json()["revision"] == catalog.client.get("/questionnaires/back-neck").json()["revision"] == 3


def _fever(body: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in body["questions"] if q["code"] == "fever")


def _maybe_instead_of_no(body: dict[str, Any]) -> None:
    _fever(body)["options"][1]["value"] = "maybe"


def _refer_advice_only_in_english(body: dict[str, Any]) -> None:
    _fever(body)["options"][0]["advice"] = {"en": "See a doctor."}


def _fever_asked_twice(body: dict[str, Any]) -> None:
    body["questions"].append(_fever(body))


def _unknown_alternative(body: dict[str, Any]) -> None:
    body["alternative"] = "hot-stones"


REFUSED: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "maybe": (_maybe_instead_of_no, "yes/no question 'fever' must have exactly the answers 'yes' and 'no'"),
    "no-advice": (
        _refer_advice_only_in_english,
        "the advice for answer 'yes' of question 'fever' (refer) needs a text in de",
    ),
    "twice": (_fever_asked_twice, "each question code may appear once, not 'fever'"),
    "alternative": (_unknown_alternative, "the alternative 'hot-stones' is not a treatment in the catalog"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_questionnaire_the_clinic_could_not_ask_is_refused_and_nothing_is_announced(
    catalog: CatalogApi, case: str
) -> None:
    spoil, reason = REFUSED[case]
    body = _questions(catalog, "back-leg-cupping")
    spoil(body)
    before = catalog.outbox_size()

    response = catalog.client.put("/questionnaires/back-leg-cupping", json=body, headers=catalog.staff)

    assert response.status_code == 422, response.text
    assert reason_given(response) == reason
    assert catalog.outbox_size() == before
    assert catalog.client.get("/questionnaires/back-leg-cupping").json()["revision"] == 1


def test_a_questionnaire_for_an_unknown_treatment_is_not_found(catalog: CatalogApi) -> None:
    body = _questions(catalog, "back-neck")
    response = catalog.client.put("/questionnaires/hot-stones", json=body, headers=catalog.staff)
    assert response.status_code == 404
    assert response.json()["detail"] == "no treatment 'hot-stones'"
