"""The catalog API on a fresh SQLite file: the clinic's treatments for everyone, its staff editing the rest.

Every change staff make is saved and announced (an outbox row) in one transaction; a change the clinic
could not run on is refused with a reason and announces nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from services.catalog.adapters import orm
from services.catalog.bootstrap import Wiring, bootstrap
from services.catalog.config import CatalogSettings
from services.catalog.entrypoints.api import create_app
from services.catalog.service_layer import entries
from shared.staff import NO_CREDENTIALS
from tests.support.apps import service_database

THERAPIST_PUBLISHED = "catalog.therapist_published"


@dataclass(frozen=True)
class CatalogApi:
    client: TestClient
    db: Engine  # the test's own connection to the catalog's database
    staff_key: str
    seeded: int  # entries the first load_seed added
    wiring: Wiring

    @property
    def staff(self) -> dict[str, str]:
        return {"X-API-Key": self.staff_key}

    def announcements(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Payloads in the outbox, oldest first."""
        query = select(orm.outbox.outbox.c.envelope).order_by(orm.outbox.outbox.c.id)
        if event_type is not None:
            query = query.where(orm.outbox.outbox.c.type == event_type)
        with self.db.connect() as conn:
            return [json.loads(envelope)["payload"] for envelope in conn.execute(query).scalars()]

    def therapist_announcements(self, code: str) -> list[dict[str, Any]]:
        return [p for p in self.announcements(THERAPIST_PUBLISHED) if p["code"] == code]

    def outbox_size(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(orm.outbox.outbox)).scalar_one())


@contextmanager
def seeded_catalog(directory: Path) -> Iterator[CatalogApi]:
    """The catalog's API on a migrated SQLite file in `directory`, with the starting catalog loaded."""
    url = f"sqlite:///{directory / 'catalog.db'}"
    with service_database("catalog", url) as service:
        wiring = bootstrap(CatalogSettings(database_url=url, admin_api_key=service.staff_key))
        seeded = entries.load_seed(wiring.unit_of_work)
        with TestClient(create_app(wiring)) as client:
            yield CatalogApi(client=client, db=service.db, staff_key=service.staff_key, seeded=seeded, wiring=wiring)
        wiring.database.reset()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogApi]:
    with seeded_catalog(tmp_path_factory.mktemp("catalog-api")) as api:
        yield api


def therapist(name: str = "Eva Brandt", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "email": "eva.brandt@clinic.example",
        "skills": ["medical_massage", "cupping"],
        "weekly_hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
    }
    body.update(changes)
    return body


def treatment(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Medical Massage: Shoulders",
        "duration_minutes": 30,
        "required_resources": {"room": 1},
        "required_skills": ["medical_massage"],
        "buffer_minutes": {"room": 10},
    }
    body.update(changes)
    return body


# ---- what anyone may read -----------------------------------------------------------------------


def test_anyone_sees_the_cupping_session_and_what_it_needs(catalog: CatalogApi) -> None:
    response = catalog.client.get("/treatments")

    assert response.status_code == 200, response.text
    listed = {t["slug"]: t for t in response.json()}
    assert {"back-leg-cupping", "back-neck"} <= set(listed)
    cupping = listed["back-leg-cupping"]
    assert cupping["name"] == "Medical Massage: Back & Leg + Cupping"
    assert cupping["duration_minutes"] == 45
    assert cupping["required_resources"] == {"room": 1, "cupping_kit": 1}
    assert set(cupping["required_skills"]) == {"medical_massage", "cupping"}
    assert cupping["buffer_minutes"]["cupping_kit"] == 30  # the kit is sterilised after each session
    assert cupping["revision"] == 1


def test_anyone_sees_what_the_cupping_session_is_for_what_it_costs_and_its_faq(catalog: CatalogApi) -> None:
    cupping = catalog.client.get("/treatments/back-leg-cupping").json()

    assert {"lower_back", "calves", "feet"} <= set(cupping["areas"])
    assert {"sciatica", "plantar_fasciitis"} <= set(cupping["complaints"])
    assert cupping["price"] == {"amount": "89.00", "currency": "EUR"}
    assert cupping["faq"][0]["question"] and cupping["faq"][0]["answer"]
    assert len(cupping["translations"]["de"]["faq"]) == len(cupping["faq"])
    assert cupping["details"] == {
        "techniques": ["deep sustained pressure", "neuromuscular trigger-point release", "cupping"]
    }


def test_the_back_and_neck_massage_needs_no_cupping_kit(catalog: CatalogApi) -> None:
    response = catalog.client.get("/treatments/back-neck")

    assert response.status_code == 200, response.text
    back_neck = response.json()
    assert back_neck["duration_minutes"] == 30
    assert back_neck["required_resources"] == {"room": 1}
    assert "cupping_kit" not in back_neck["buffer_minutes"]
    assert back_neck["required_skills"] == ["medical_massage"]


def test_an_unknown_treatment_is_not_found(catalog: CatalogApi) -> None:
    response = catalog.client.get("/treatments/nope")
    assert response.status_code == 404
    assert response.json()["detail"] == "no treatment 'nope'"


# ---- staff change the catalog -------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "not-the-key"}], ids=["no-key", "wrong-key"])
def test_only_staff_may_add_a_therapist(catalog: CatalogApi, headers: dict[str, str]) -> None:
    before = catalog.outbox_size()

    response = catalog.client.put("/therapists/x", json=therapist(), headers=headers)

    assert response.status_code == 401
    assert response.json()["detail"] == NO_CREDENTIALS
    assert catalog.outbox_size() == before


def test_staff_add_a_therapist_then_change_her_and_each_change_is_announced_once(catalog: CatalogApi) -> None:
    created = catalog.client.put("/therapists/x", json=therapist(), headers=catalog.staff)

    assert created.status_code == 200, created.text
    assert created.json()["code"] == "x"
    assert created.json()["revision"] == 1
    [first] = catalog.therapist_announcements("x")
    assert first["revision"] == 1 and first["name"] == "Eva Brandt"

    changed = catalog.client.put("/therapists/x", json=therapist(name="Eva Brandt-Lenz"), headers=catalog.staff)

    assert changed.status_code == 200, changed.text
    assert changed.json()["revision"] == 2
    assert [(p["revision"], p["name"]) for p in catalog.therapist_announcements("x")] == [
        (1, "Eva Brandt"),
        (2, "Eva Brandt-Lenz"),
    ]
    listed = catalog.client.get("/therapists", headers=catalog.staff).json()
    [eva] = [t for t in listed if t["code"] == "x"]
    assert (eva["name"], eva["revision"]) == ("Eva Brandt-Lenz", 2)


def _put(catalog: CatalogApi, path: str, body: dict[str, Any]) -> Response:
    return catalog.client.put(path, json=body, headers=catalog.staff)


def reason_given(response: Response) -> str:
    """The refusal's reason: the catalog's own message, or each field and problem the schema found."""
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return detail
    return "; ".join(".".join(str(part) for part in error["loc"][1:]) + ": " + error["msg"] for error in detail)


REFUSED: dict[str, tuple[str, dict[str, Any], str]] = {
    "hour-25": (
        "/therapists/night-owl",
        therapist(weekly_hours=[{"weekday": 0, "start": "09:00", "end": "25:00"}]),
        "weekly_hours.0.end: String should match pattern",
    ),
    "ends-before-it-starts": (
        "/therapists/backwards",
        therapist(weekly_hours=[{"weekday": 0, "start": "17:00", "end": "09:00"}]),
        "working hours on weekday 0 end (09:00) before they start",
    ),
    "unknown-resource-kind": (
        "/resources/sauna-1",
        {"kind": "sauna", "name": "Sauna"},
        "unknown resource kind 'sauna'; known: room, cupping_kit",
    ),
    "duration-off-the-5-minute-grid": (
        "/treatments/odd-length",
        treatment(duration_minutes=47),
        "duration must be a positive multiple of 5 minutes",
    ),
    "unknown-area": (
        "/treatments/elbows",
        treatment(areas=["neck", "elbows"]),
        "unknown area 'elbows'; known: neck, shoulders,",
    ),
    "label-instead-of-a-complaint-code": (
        "/treatments/ischias",
        treatment(complaints=["Ischias"]),
        "unknown complaint 'Ischias'; known: neck_pain,",
    ),
    "price-without-cents": (
        "/treatments/cheap",
        treatment(price={"amount": "59", "currency": "EUR"}),
        "a price is a non-negative amount with two decimals like '89.00', not '59'",
    ),
    "price-in-lower-case-currency": (
        "/treatments/cheap",
        treatment(price={"amount": "59.00", "currency": "eur"}),
        "a currency is an ISO 4217 code of three capitals like 'EUR', not 'eur'",
    ),
    "faq-without-an-answer": (
        "/treatments/quiet",
        treatment(faq=[{"question": "Does it hurt?", "answer": ""}]),
        "faq.0.answer: String should have at least 1 character",
    ),
    "code-with-capitals-and-a-space": (
        "/resources/Room 1",
        {"kind": "room", "name": "Room 1"},
        "resource code must be lower-case letters, digits and dashes, not 'Room 1'",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_change_the_clinic_could_not_run_on_is_refused_with_a_reason(catalog: CatalogApi, case: str) -> None:
    path, body, reason = REFUSED[case]
    before = catalog.outbox_size()

    response = _put(catalog, path, body)

    assert response.status_code == 422, response.text
    assert reason in reason_given(response)
    assert catalog.outbox_size() == before  # nothing saved, nothing announced


def test_a_valid_treatment_is_saved_and_offered(catalog: CatalogApi) -> None:
    response = _put(catalog, "/treatments/shoulders", treatment())

    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 1
    assert catalog.client.get("/treatments/shoulders").json()["duration_minutes"] == 30
    [announced] = [p for p in catalog.announcements("catalog.treatment_published") if p["slug"] == "shoulders"]
    assert announced["revision"] == 1


def test_staff_set_what_a_treatment_is_for_and_its_price_and_both_are_announced(catalog: CatalogApi) -> None:
    body = treatment(
        areas=["neck", "shoulders"], complaints=["neck_pain"], price={"amount": "45.00", "currency": "EUR"}
    )

    response = _put(catalog, "/treatments/neck-express", body)

    assert response.status_code == 200, response.text
    read = catalog.client.get("/treatments/neck-express").json()
    assert (read["areas"], read["complaints"], read["price"]) == (body["areas"], body["complaints"], body["price"])
    [announced] = [p for p in catalog.announcements("catalog.treatment_published") if p["slug"] == "neck-express"]
    assert (announced["areas"], announced["price"]) == (["neck", "shoulders"], {"amount": "45.00", "currency": "EUR"})


# ---- the starting catalog and resync ------------------------------------------------------------


def test_loading_the_seed_again_adds_and_announces_nothing(catalog: CatalogApi) -> None:
    assert catalog.seeded > 0
    before = catalog.outbox_size()

    assert entries.load_seed(catalog.wiring.unit_of_work) == 0

    assert catalog.outbox_size() == before
    assert len(catalog.client.get("/treatments/back-leg-cupping").json()["what_to_expect"]) > 0


def _entries(catalog: CatalogApi) -> dict[str, int]:
    tables = {
        "catalog.treatment_published": orm.treatment,
        "catalog.questionnaire_published": orm.questionnaire,
        "catalog.resource_published": orm.resource,
        "catalog.therapist_published": orm.therapist,
        "catalog.location_published": orm.location,
    }
    with catalog.db.connect() as conn:
        return {
            kind: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for kind, table in tables.items()
        }


def test_a_resync_announces_every_entry_once(catalog: CatalogApi) -> None:
    assert catalog.client.post("/resync").status_code == 401
    entries = _entries(catalog)
    before = len(catalog.announcements())

    response = catalog.client.post("/resync", headers=catalog.staff)

    assert response.status_code == 202, response.text
    assert response.json() == {"announced": sum(entries.values())}
    with catalog.db.connect() as conn:
        rows = conn.execute(select(orm.outbox.outbox.c.type).order_by(orm.outbox.outbox.c.id)).scalars().all()
    resent = rows[before:]
    assert {kind: resent.count(kind) for kind in entries} == entries
    assert len(resent) == sum(entries.values())


# ---- choosing a therapist -------------------------------------------------------------------------


def test_anyone_sees_who_can_give_a_treatment_and_where_and_nothing_else(tmp_path: Path) -> None:
    with seeded_catalog(tmp_path) as fresh:  # its own catalog: other tests here add therapists
        cupping = fresh.client.get("/treatments/back-leg-cupping/therapists")  # no staff key
        back_neck = fresh.client.get("/treatments/back-neck/therapists")

        assert cupping.status_code == 200, cupping.text
        assert cupping.json() == [
            {"code": "anna-keller", "name": "Anna Keller", "locations": ["main"]},
            {"code": "ben-okafor", "name": "Ben Okafor", "locations": ["main"]},
        ]
        assert [t["code"] for t in back_neck.json()] == ["anna-keller", "ben-okafor", "clara-weiss"]
        assert "@" not in cupping.text + back_neck.text and "weekly_hours" not in cupping.text


def test_the_choice_follows_where_therapists_work(tmp_path: Path) -> None:
    with seeded_catalog(tmp_path) as fresh:
        north = {"name": "Clinic Nord", "address": "Nordstraße 2, Berlin"}
        assert fresh.client.put("/locations/north", json=north, headers=fresh.staff).status_code == 200
        eva = therapist(location="north", skills=["medical_massage"])
        assert fresh.client.put("/therapists/eva-brandt", json=eva, headers=fresh.staff).status_code == 200

        def codes(location: str) -> list[str]:
            answer = fresh.client.get("/treatments/back-neck/therapists", params={"location": location})
            assert answer.status_code == 200, answer.text
            return [t["code"] for t in answer.json()]

        assert codes("north") == ["eva-brandt"]
        assert codes("main") == ["anna-keller", "ben-okafor", "clara-weiss"]
        everyone = fresh.client.get("/treatments/back-neck/therapists").json()
        assert {"code": "eva-brandt", "name": "Eva Brandt", "locations": ["north"]} in everyone


def test_choosing_for_an_unknown_treatment_or_location_is_not_found(catalog: CatalogApi) -> None:
    unknown = catalog.client.get("/treatments/hot-stones/therapists")
    assert unknown.status_code == 404
    assert unknown.json()["detail"].startswith("no treatment 'hot-stones' is offered; offered: ")
    assert "back-leg-cupping" in unknown.json()["detail"]

    nowhere = catalog.client.get("/treatments/back-neck/therapists", params={"location": "atlantis"})
    assert nowhere.status_code == 404
    assert nowhere.json()["detail"].startswith("no location 'atlantis'; known: ")
