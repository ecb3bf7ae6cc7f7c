"""Notifications' database (SQLite and PostgreSQL, migrated, the seed treatment and clinic published)
and a real SMTP server for every test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ops.migrate import migrate
from shared.db import SessionFactory, make_engine, make_session_factory
from tests.integration.notifications.story import Clinic, MailServer, publish_catalog
from tests.support import servers


@dataclass(frozen=True)
class Postgres:
    server: servers.Server | None
    why_not: str


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = servers.start_postgres()
    yield Postgres(server, servers.postgres_unavailable_reason())
    if server is not None:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres: Postgres) -> Iterator[str]:
    """A fresh, migrated notifications database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'notifications.db'}"
        migrate("notifications", url)
        yield url
        return
    if postgres.server is None:
        pytest.skip(f"no PostgreSQL: {postgres.why_not}")
    url, drop = servers.create_database(postgres.server.url, "notifications_test")
    try:
        migrate("notifications", url)
        yield url
    finally:
        drop()


@pytest.fixture
def factory(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    publish_catalog(factory)
    yield factory
    engine.dispose()


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def clinic(factory: SessionFactory, mail_server: MailServer) -> Clinic:
    return Clinic(factory, mail_server)
