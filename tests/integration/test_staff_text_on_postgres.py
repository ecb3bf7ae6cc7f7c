"""Staff input on SQLite and PostgreSQL: a NUL or other control character in a sign-in, an account's
text, an account id in a path or an audit filter is a 422 before anything is written (PostgreSQL
refuses NUL: it was a 500, at sign-in without any credential); and the account rules hold under
concurrency (a duplicate email that slips past the lookup is a conflict, the last-admin count locks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from services.catalog.adapters import orm
from services.catalog.adapters.accounts import SqlAccounts
from services.catalog.bootstrap import Wiring, bootstrap
from services.catalog.config import CatalogSettings
from services.catalog.domain.accounts import Account, AccountConflict
from services.catalog.entrypoints.api import create_app
from services.catalog.service_layer import accounts
from shared.clock import system_clock
from shared.db import make_session_factory, transaction
from tests.support import servers
from tests.support.apps import service_database, sign_in_as_new_account

PASSWORD = "a-test-password-long-enough"


@dataclass
class Catalog:
    client: TestClient
    db: Engine
    wiring: Wiring
    staff: dict[str, str]
    backend: str


@contextmanager
def catalog_on(backend: str, directory: Path, postgres_admin: servers.Server | None) -> Iterator[Catalog]:
    if backend == "sqlite":
        url, drop = f"sqlite:///{directory / 'catalog.db'}", None
    else:
        if postgres_admin is None:
            pytest.skip(f"no PostgreSQL: {servers.postgres_unavailable_reason()}")
        url, drop = servers.create_database(postgres_admin.url, "catalog_staff_test")
    try:
        with service_database("catalog", url) as service:
            wiring = bootstrap(CatalogSettings(database_url=url, admin_api_key=service.staff_key))
            app = create_app(wiring)
            app.state.rate_limiter.enabled = False  # many sign-ins from one client: limits have tests of their own
            with TestClient(app) as client:
                yield Catalog(client, service.db, wiring, {"X-API-Key": service.staff_key}, backend)
            wiring.database.reset()
    finally:
        if drop is not None:
            drop()


@pytest.fixture(scope="module")
def postgres_admin() -> Iterator[servers.Server | None]:
    server = servers.start_postgres()
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None) -> Iterator[Catalog]:
    with catalog_on(request.param, tmp_path, postgres_admin) as service:
        yield service


def rows(catalog: Catalog) -> tuple[int, int]:
    """Accounts and audit rows written so far."""
    with catalog.db.connect() as conn:
        accounts_ = conn.execute(select(func.count()).select_from(orm.account)).scalar_one()
        audited = conn.execute(select(func.count()).select_from(orm.audit.table)).scalar_one()
    return int(accounts_), int(audited)


BAD = ["a\x00b", "a\nBcc: x@evil.example", "a\x1b[31mb", "a\u2028b", "a\x85b"]


@pytest.mark.parametrize("bad", BAD)
def test_a_control_character_in_staff_input_is_a_422_and_nothing_is_written(catalog: Catalog, bad: str) -> None:
    account_id, admin = sign_in_as_new_account(catalog.client, catalog.staff["X-API-Key"], "admin")
    good = {"email": "new@clinic.example", "name": "New Desk", "role": "front_desk", "locations": ["main"]}
    before = rows(catalog)

    answers = {
        "sign-in email": catalog.client.post("/staff/sessions", json={"email": f"{bad}@b.c", "password": PASSWORD}),
        "email": catalog.client.post(
            "/staff/accounts", json={**good, "email": f"{bad}@clinic.example", "password": PASSWORD}, headers=admin
        ),
        "name": catalog.client.post("/staff/accounts", json={**good, "name": bad, "password": PASSWORD}, headers=admin),
        "location": catalog.client.post(
            "/staff/accounts", json={**good, "locations": [bad], "password": PASSWORD}, headers=admin
        ),
        "new name": catalog.client.put(f"/staff/accounts/{account_id}", json={"name": bad}, headers=admin),
        "path": catalog.client.put(f"/staff/accounts/{quote(bad)}", json={"active": False}, headers=admin),
        "password path": catalog.client.put(
            f"/staff/accounts/{quote(bad)}/password", json={"password": PASSWORD}, headers=admin
        ),
        "audit actor": catalog.client.get("/audit", params={"actor": bad}, headers=admin),
        "audit target": catalog.client.get("/audit", params={"target": bad}, headers=admin),
    }

    statuses = {field: answer.status_code for field, answer in answers.items()}
    assert statuses == dict.fromkeys(answers, 422), {k: a.text for k, a in answers.items() if a.status_code != 422}
    assert rows(catalog) == before
    assert catalog.client.get("/staff/me", headers=admin).json()["name"] == "Test admin"


def test_a_long_audit_filter_is_a_422(catalog: Catalog) -> None:
    _, admin = sign_in_as_new_account(catalog.client, catalog.staff["X-API-Key"], "admin")

    assert catalog.client.get("/audit", params={"actor": "a" * 37}, headers=admin).status_code == 422
    assert catalog.client.get("/audit", params={"target": "a" * 101}, headers=admin).status_code == 422
    assert catalog.client.get("/audit", params={"target": "a" * 100}, headers=admin).status_code == 200


class Blind(SqlAccounts):
    """A lookup that ran before another request's insert committed: it finds no account by email."""

    def by_email(self, email: str) -> Account | None:
        return None


def test_an_email_taken_between_the_lookup_and_the_insert_is_a_conflict(catalog: Catalog) -> None:
    new = accounts.NewAccount(email="twice@clinic.example", name="Twice", role="admin", password=PASSWORD)
    factory = make_session_factory(catalog.db)
    with transaction(factory) as session:
        accounts.create_account(SqlAccounts(session), catalog.wiring.passwords, new, system_clock.now())

    with pytest.raises(AccountConflict, match="exists already"), transaction(factory) as session:
        accounts.create_account(Blind(session), catalog.wiring.passwords, new, system_clock.now())

    assert rows(catalog)[0] == 1


def test_the_count_of_active_admins_locks_their_rows(catalog: Catalog) -> None:
    if catalog.backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: there is no row lock to take, nor a race")
    sign_in_as_new_account(catalog.client, catalog.staff["X-API-Key"], "admin")
    second, _ = sign_in_as_new_account(catalog.client, catalog.staff["X-API-Key"], "admin")
    factory = make_session_factory(catalog.db)
    with transaction(factory) as counting:
        assert SqlAccounts(counting).active_admins() == 2
        # Another admin's change of the other admin waits for this transaction (here: gives up waiting).
        with pytest.raises(OperationalError, match="lock"), transaction(factory) as other:
            other.execute(text("SET LOCAL lock_timeout = '200ms'"))
            change = accounts.AccountChange(active=False)
            accounts.change_account(SqlAccounts(other), second, change, system_clock.now())
