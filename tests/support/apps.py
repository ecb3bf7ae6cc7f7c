"""A service's own database for a test: migrated, with the test's own connection beside the app's and a
random staff key. The test builds the app from explicit settings (`create_app(bootstrap(Settings(...)))`):
no test changes `os.environ` or re-imports a module."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ops.migrate import migrate
from shared.clock import system_clock
from shared.db import SessionFactory, make_engine, make_session_factory
from shared.settings import DEVELOPMENT_TOKEN_SECRET
from shared.staff import Staff, issue_token


@dataclass(frozen=True)
class ServiceDatabase:
    url: str
    db: Engine  # the test's own connection, beside the app's
    staff_key: str  # for the app's settings (ADMIN_API_KEY)

    def writer(self) -> SessionFactory:
        return make_session_factory(self.db)


@contextmanager
def service_database(service: str, url: str) -> Iterator[ServiceDatabase]:
    """`services.<service>`'s database at `url`, migrated to the newest schema, and a random staff key."""
    db = make_engine(url)
    try:
        migrate(service, url)
        yield ServiceDatabase(url=url, db=db, staff_key=f"test-staff-{secrets.token_urlsafe(16)}")
    finally:
        db.dispose()


def staff_token(
    role: str,
    locations: tuple[str, ...] = (),
    therapist: str | None = None,
    secret: str = DEVELOPMENT_TOKEN_SECRET,
    account_id: str = "test-account",
) -> dict[str, str]:
    """`Authorization: Bearer` headers for a staff member, signed as the catalog would sign them: every
    API checks tokens locally, so a booking or notifications test needs no catalog (nor an account)."""
    staff = Staff(id=account_id, role=role, locations=locations, therapist=therapist, name=f"Test {role}")
    return bearer(issue_token(staff, secret, minutes=15, now=system_clock.now()).token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in_as_new_account(  # six inputs: where to sign in, as whom, and what the account may do
    catalog: TestClient,
    staff_key: str,
    role: str,
    locations: tuple[str, ...] = (),
    therapist: str | None = None,
    password: str = "a-test-password-long-enough",
) -> tuple[str, dict[str, str]]:
    """Create an account through the catalog's API (with the machine key) and sign in as it: its id and
    `Authorization: Bearer` headers."""
    email = f"{role}-{secrets.token_hex(4)}@clinic.example"
    body = {"email": email, "name": f"Test {role}", "role": role, "locations": list(locations), "password": password}
    if therapist is not None:
        body["therapist"] = therapist
    created = catalog.post("/staff/accounts", json=body, headers={"X-API-Key": staff_key})
    assert created.status_code == 201, created.text
    session = catalog.post("/staff/sessions", json={"email": email, "password": password})
    assert session.status_code == 201, session.text
    return created.json()["id"], bearer(session.json()["token"])
