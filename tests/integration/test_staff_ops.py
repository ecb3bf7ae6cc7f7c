"""The ops command that makes the first admin (a real process on a SQLite file, the password on stdin), and
the development admin `make run` makes only under APP_ENV=development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from ops.staff import DEV_ADMIN_EMAIL, ensure_development_admin
from services.catalog.adapters import orm
from services.catalog.adapters.accounts import Passwords, SqlAccounts
from services.catalog.config import CatalogSettings
from shared.db import make_engine, make_session_factory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "first-admin-password"


def create_admin(url: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CATALOG_DATABASE_URL": url, "APP_ENV": "development"}  # the child's, not ours
    return subprocess.run(
        [sys.executable, "-m", "ops.staff", "create-admin", "--email", email, "--name", "First Admin"],
        input=f"{password}\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def stored_hash(url: str, email: str) -> str | None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            account = SqlAccounts(session).by_email(email)
            return account.password_hash if account else None
    finally:
        engine.dispose()


def audited(url: str) -> list[tuple[object, ...]]:
    """The audit rows: actor, role, action, target."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            table = orm.audit.table
            query = select(table.c.actor, table.c.role, table.c.action, table.c.target).order_by(table.c.id)
            return [tuple(row) for row in conn.execute(query)]
    finally:
        engine.dispose()


def account_id(url: str, email: str) -> str:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            account = SqlAccounts(session).by_email(email)
            assert account is not None
            return account.id
    finally:
        engine.dispose()


def test_create_admin_reads_the_password_from_stdin_and_never_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"

    created = create_admin(url, "Boss@Clinic.example", PASSWORD)

    assert created.returncode == 0, created.stderr
    assert "boss@clinic.example" in created.stdout and PASSWORD not in created.stdout + created.stderr
    password_hash = stored_hash(url, "boss@clinic.example")
    assert password_hash is not None and Passwords().verify(password_hash, PASSWORD)
    again = create_admin(url, "boss@clinic.example", PASSWORD)
    assert again.returncode == 1 and "exists already" in again.stderr
    short = create_admin(url, "other@clinic.example", "short")
    assert short.returncode == 2 and "at least 12" in short.stderr
    assert stored_hash(url, "other@clinic.example") is None
    # One audit row, for the one account made: by "ops", never with the password.
    assert audited(url) == [("ops", "machine", "account.create", account_id(url, "boss@clinic.example"))]


def test_the_development_admin_exists_only_in_development(tmp_path: Path) -> None:
    production = CatalogSettings(
        database_url=f"sqlite:///{tmp_path / 'production.db'}",
        APP_ENV="production",
        ADMIN_API_KEY="k" * 40,
        STAFF_TOKEN_SECRET="s" * 40,
    )
    development = CatalogSettings(database_url=f"sqlite:///{tmp_path / 'development.db'}")

    assert ensure_development_admin(production) is None
    assert not (tmp_path / "production.db").exists()
    first = ensure_development_admin(development)
    assert first is not None and "created" in first and DEV_ADMIN_EMAIL in first
    second = ensure_development_admin(development)
    assert second is not None and "exists" in second
    url = development.database_url
    assert audited(url) == [("ops", "machine", "account.create", account_id(url, DEV_ADMIN_EMAIL))]
