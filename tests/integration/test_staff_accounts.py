"""Staff accounts at the catalog, on a real SQLite file: sign-in, refresh, who am I, account management
for admins only, rights on catalog changes, and an audit row with every change (never a password)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.catalog.adapters import orm
from services.catalog.adapters.accounts import Passwords, SqlAccounts
from services.catalog.bootstrap import bootstrap
from services.catalog.config import CatalogSettings
from services.catalog.entrypoints.api import create_app
from shared.clock import system_clock
from shared.db import transaction
from tests.integration.test_catalog_api import CatalogApi, seeded_catalog, therapist
from tests.support.apps import bearer, service_database, sign_in_as_new_account
from tests.support.clock import FixedClock, at, working_day

PASSWORD = "a-test-password-long-enough"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogApi]:
    with seeded_catalog(tmp_path_factory.mktemp("staff-accounts")) as api:
        yield api


@pytest.fixture(scope="module")
def admin(catalog: CatalogApi) -> tuple[str, dict[str, str]]:
    return sign_in_as_new_account(catalog.client, catalog.staff_key, "admin")


def audit_rows(catalog: CatalogApi, target: str | None = None) -> list[dict[str, Any]]:
    query = select(orm.audit.table).order_by(orm.audit.table.c.id)
    if target is not None:
        query = query.where(orm.audit.table.c.target == target)
    with catalog.db.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def new_account(catalog: CatalogApi, admin_headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Fran Desk", "role": "front_desk", "locations": ["main"], "password": PASSWORD, **fields}
    response = catalog.client.post("/staff/accounts", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_sign_in_gives_a_token_for_all_three_apis(catalog: CatalogApi, admin: tuple[str, dict[str, str]]) -> None:
    account = new_account(catalog, admin[1], email="Fran@Clinic.example")

    session = catalog.client.post("/staff/sessions", json={"email": "fran@clinic.EXAMPLE", "password": PASSWORD})

    assert session.status_code == 201
    body = session.json()
    assert body["token_type"] == "bearer" and body["account"]["id"] == account["id"]
    assert body["account"] == {
        "id": account["id"], "email": "fran@clinic.example", "name": "Fran Desk", "role": "front_desk",
        "locations": ["main"], "therapist": None,
    }  # fmt: skip
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["sub"] == account["id"] and claims["locations"] == ["main"] and "email" not in claims
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=14) < expires - system_clock.now() <= timedelta(minutes=15)
    me = catalog.client.get("/staff/me", headers=bearer(body["token"]))
    assert me.json()["email"] == "fran@clinic.example"
    assert "password" not in session.text and "argon2" not in session.text + me.text


def test_unknown_email_wrong_password_and_disabled_account_get_one_answer(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    account = new_account(catalog, admin[1], email="gone@clinic.example")
    catalog.client.put(f"/staff/accounts/{account['id']}", json={"active": False}, headers=admin[1])

    answers = [
        catalog.client.post("/staff/sessions", json={"email": email, "password": password})
        for email, password in [
            ("nobody@clinic.example", PASSWORD),
            ("gone@clinic.example", PASSWORD),
            ("fran@clinic.example", "wrong-password-entirely"),
        ]
    ]

    assert [(a.status_code, a.json()) for a in answers] == [(401, {"detail": "the email or password is wrong"})] * 3


def test_refresh_gives_a_new_token_while_the_account_is_active(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    account_id, desk = sign_in_as_new_account(catalog.client, catalog.staff_key, "front_desk", ("main",))

    refreshed = catalog.client.post("/staff/sessions/refresh", headers=desk)
    assert refreshed.status_code == 201 and refreshed.json()["account"]["id"] == account_id
    again = catalog.client.post("/staff/sessions/refresh", headers=bearer(refreshed.json()["token"]))
    assert again.status_code == 201  # a refreshed token refreshes too
    # A new name is no reason to sign in again, and the next token carries it.
    catalog.client.put(f"/staff/accounts/{account_id}", json={"name": "Fran Renamed"}, headers=admin[1])
    renamed = catalog.client.post("/staff/sessions/refresh", headers=desk).json()
    assert jwt.decode(renamed["token"], options={"verify_signature": False})["name"] == "Fran Renamed"

    catalog.client.put(f"/staff/accounts/{account_id}", json={"active": False}, headers=admin[1])

    refused = catalog.client.post("/staff/sessions/refresh", headers=desk)
    assert refused.status_code == 401 and "disabled" in refused.json()["detail"]
    assert catalog.client.post("/staff/sessions/refresh").status_code == 401
    machine = catalog.client.post("/staff/sessions/refresh", headers=catalog.staff)
    assert machine.status_code == 403


def sign_in(catalog: CatalogApi, email: str, password: str = PASSWORD) -> dict[str, str]:
    session = catalog.client.post("/staff/sessions", json={"email": email, "password": password})
    assert session.status_code == 201, session.text
    return bearer(session.json()["token"])


def test_a_new_password_ends_the_sessions_signed_in_before_it(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    account = new_account(catalog, admin[1], email="stolen@clinic.example")
    stolen = sign_in(catalog, "stolen@clinic.example")
    assert catalog.client.post("/staff/sessions/refresh", headers=stolen).status_code == 201
    new_password = "a-brand-new-password-now"

    reset = catalog.client.put(
        f"/staff/accounts/{account['id']}/password", json={"password": new_password}, headers=admin[1]
    )

    assert reset.status_code == 204
    refused = catalog.client.post("/staff/sessions/refresh", headers=stolen)
    assert refused.status_code == 401 and refused.json()["detail"].endswith("sign in again")
    fresh = sign_in(catalog, "stolen@clinic.example", new_password)
    assert catalog.client.post("/staff/sessions/refresh", headers=fresh).status_code == 201


def test_another_role_ends_the_sessions_signed_in_before_it_and_new_locations_do_not(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    new_account(catalog, admin[1], email="moved@clinic.example")
    desk = sign_in(catalog, "moved@clinic.example")
    account_id = catalog.client.get("/staff/me", headers=desk).json()["id"]

    catalog.client.put(f"/staff/accounts/{account_id}", json={"locations": ["main", "north"]}, headers=admin[1])
    moved = catalog.client.post("/staff/sessions/refresh", headers=desk)
    promoted = catalog.client.put(
        f"/staff/accounts/{account_id}", json={"role": "admin", "locations": []}, headers=admin[1]
    )
    refused = catalog.client.post("/staff/sessions/refresh", headers=bearer(moved.json()["token"]))

    # New locations reach the open desk with its next token (the desk page follows them) ...
    assert moved.status_code == 201
    assert jwt.decode(moved.json()["token"], options={"verify_signature": False})["locations"] == ["main", "north"]
    # ... another role is a new sign-in.
    assert promoted.status_code == 200
    assert refused.status_code == 401 and "changed" in refused.json()["detail"]
    again = catalog.client.post("/staff/sessions/refresh", headers=sign_in(catalog, "moved@clinic.example"))
    assert jwt.decode(again.json()["token"], options={"verify_signature": False})["role"] == "admin"


def test_a_session_ends_staff_session_hours_after_the_sign_in_however_often_refreshed(tmp_path: Path) -> None:
    clock = FixedClock(at(working_day(1), 8))
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    with service_database("catalog", url) as service:
        settings = CatalogSettings(database_url=url, admin_api_key=service.staff_key, staff_session_hours=1)
        wiring = bootstrap(settings, clock=clock)
        with TestClient(create_app(wiring)) as client:
            _, headers = sign_in_as_new_account(client, service.staff_key, "front_desk", ("main",))
            for _ in range(5):  # each token lasts 15 minutes: refreshed every 10, as the desk page does
                clock.advance(timedelta(minutes=10))
                refreshed = client.post("/staff/sessions/refresh", headers=headers)
                assert refreshed.status_code == 201, refreshed.text
                headers = bearer(refreshed.json()["token"])
            clock.advance(timedelta(minutes=9, seconds=59))  # 59:59 after the sign-in
            headers = bearer(client.post("/staff/sessions/refresh", headers=headers).json()["token"])
            clock.advance(timedelta(seconds=2))

            refused = client.post("/staff/sessions/refresh", headers=headers)

        wiring.database.reset()
    assert refused.status_code == 401 and refused.json()["detail"] == "this session is too old: sign in again"


def test_accounts_are_managed_by_admins_only(catalog: CatalogApi, admin: tuple[str, dict[str, str]]) -> None:
    _, desk = sign_in_as_new_account(catalog.client, catalog.staff_key, "front_desk", ("main",))
    body = {"email": "x@clinic.example", "name": "X", "role": "admin", "password": PASSWORD}

    for method, url, payload in [
        ("POST", "/staff/accounts", body),
        ("GET", "/staff/accounts", None),
        ("PUT", f"/staff/accounts/{admin[0]}", {"active": False}),
        ("PUT", f"/staff/accounts/{admin[0]}/password", {"password": PASSWORD}),
    ]:
        refused = catalog.client.request(method, url, json=payload, headers=desk)
        assert refused.status_code == 403 and "admin" in refused.json()["detail"], (method, url)
    listed = catalog.client.get("/staff/accounts?limit=2&offset=0", headers=admin[1])
    assert listed.status_code == 200 and len(listed.json()) == 2
    assert all("password" not in key for row in listed.json() for key in row)


def test_an_email_has_one_account_and_a_bad_one_is_a_422(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    new_account(catalog, admin[1], email="once@clinic.example")
    twice = catalog.client.post(
        "/staff/accounts",
        json={"email": "ONCE@clinic.example", "name": "O", "role": "admin", "password": PASSWORD},
        headers=admin[1],
    )
    short = catalog.client.post(
        "/staff/accounts",
        json={"email": "short@clinic.example", "name": "S", "role": "admin", "password": "short"},
        headers=admin[1],
    )

    assert twice.status_code == 409 and short.status_code == 422
    assert "12 characters" in short.json()["detail"] and "short" not in short.json()["detail"].split(":")[0]


def test_the_last_active_admin_stays(tmp_path_factory: pytest.TempPathFactory) -> None:
    with seeded_catalog(tmp_path_factory.mktemp("last-admin")) as catalog:
        only, headers = sign_in_as_new_account(catalog.client, catalog.staff_key, "admin")

        refused = catalog.client.put(f"/staff/accounts/{only}", json={"active": False}, headers=headers)

        assert refused.status_code == 409 and "last active admin" in refused.json()["detail"]
        second, _ = sign_in_as_new_account(catalog.client, catalog.staff_key, "admin")
        demoted = catalog.client.put(
            f"/staff/accounts/{second}", json={"role": "front_desk", "locations": ["main"]}, headers=headers
        )
        assert demoted.status_code == 200 and demoted.json()["role"] == "front_desk"


def test_a_password_set_by_an_admin_signs_in_and_is_audited_without_itself(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    account = new_account(catalog, admin[1], email="reset@clinic.example")
    new_password = "another-password-entirely"

    response = catalog.client.put(
        f"/staff/accounts/{account['id']}/password", json={"password": new_password}, headers=admin[1]
    )

    assert response.status_code == 204
    signed_in = catalog.client.post("/staff/sessions", json={"email": "reset@clinic.example", "password": new_password})
    assert signed_in.status_code == 201
    rows = audit_rows(catalog, account["id"])
    assert [(r["actor"], r["role"], r["action"]) for r in rows] == [
        (admin[0], "admin", "account.create"),
        (admin[0], "admin", "account.password"),
    ]
    assert new_password not in repr(audit_rows(catalog)) and PASSWORD not in repr(audit_rows(catalog))


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(catalog: CatalogApi) -> None:
    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    account = new_account(catalog, catalog.staff, email="old-hash@clinic.example")
    with transaction(catalog.wiring.database.session_factory()) as session:
        accounts_ = SqlAccounts(session)
        found = accounts_.get(account["id"])
        assert found is not None
        found.password_hash = weak.hash(PASSWORD)
        accounts_.replace(found, system_clock.now())

    signed_in = catalog.client.post("/staff/sessions", json={"email": "old-hash@clinic.example", "password": PASSWORD})

    assert signed_in.status_code == 201
    with catalog.wiring.database.session_factory()() as session:
        stored = SqlAccounts(session).get(account["id"])
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert not catalog.wiring.passwords.needs_rehash(stored.password_hash)


def test_catalog_changes_are_for_admins_and_time_off_for_the_desk_where_the_therapist_works(
    catalog: CatalogApi, admin: tuple[str, dict[str, str]]
) -> None:
    _, desk = sign_in_as_new_account(catalog.client, catalog.staff_key, "front_desk", ("main",))
    _, desk_elsewhere = sign_in_as_new_account(catalog.client, catalog.staff_key, "front_desk", ("north",))
    _, therapist_ = sign_in_as_new_account(catalog.client, catalog.staff_key, "therapist", therapist="anna-keller")
    away = {"start": "2031-05-04T00:00:00+02:00", "end": "2031-05-05T00:00:00+02:00", "note": "course"}

    assert catalog.client.put("/therapists/eva", json=therapist(), headers=desk).status_code == 403
    assert catalog.client.get("/therapists", headers=therapist_).status_code == 200
    assert catalog.client.get("/resources", headers=desk).status_code == 200
    for headers in (desk_elsewhere, therapist_):
        refused = catalog.client.post("/therapists/anna-keller/time-off", json=away, headers=headers)
        assert refused.status_code == 403
    assert catalog.client.post("/therapists/anna-keller/time-off", json=away, headers=desk).status_code == 200
    changed = catalog.client.put("/therapists/eva", json=therapist(), headers=admin[1])
    assert changed.status_code == 200

    actions = [(r["action"], r["target"]) for r in audit_rows(catalog) if r["action"].startswith("therapist.")]
    assert actions[-2:] == [("therapist.time_off", "anna-keller"), ("therapist.put", "eva")]
    machine = catalog.client.post("/resync", headers=catalog.staff)
    assert machine.status_code == 202 and audit_rows(catalog)[-1]["actor"] == "machine"
    assert catalog.client.get("/audit?limit=1", headers=admin[1]).json()[0]["action"] == "catalog.resync"
    assert catalog.client.get("/audit", headers=desk).status_code == 403
