"""The audit table is append-only in the database itself, on SQLite and on PostgreSQL, in every service:
its migrations (and `create_all`) add triggers that refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL), so not even a bug or a hand-typed statement rewrites history. A row is written only with
its change: a rolled-back change leaves none."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from ops.migrate import SERVICES, migrate
from shared.audit import APPEND_ONLY_MESSAGE, AuditTrail
from shared.clock import system_clock
from shared.db import make_engine, make_session_factory, new_metadata, transaction
from shared.staff import Staff
from tests.support import servers

DESK = Staff(id="desk-1", role="front_desk", locations=("main",), address="192.0.2.10")


@pytest.fixture(scope="module")
def postgres_admin() -> Iterator[servers.Server | None]:
    server = servers.start_postgres()
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    if postgres_admin is None:
        pytest.skip(f"no PostgreSQL: {servers.postgres_unavailable_reason()}")
    url, drop = servers.create_database(postgres_admin.url, "audit_test")
    yield url
    drop()


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _record_one(engine: Engine, trail: AuditTrail) -> None:
    with transaction(make_session_factory(engine)) as session:
        trail.record(session, DESK, "booking.cancel", "b-1", system_clock.now())


def _refused(engine: Engine, statement: str) -> str:
    with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
        conn.execute(text(statement))
    return str(refused.value)


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_audit_table_refuses_update_and_delete(service: str, database_url: str) -> None:
    migrate(service, database_url)
    trail = importlib.import_module(f"services.{service}.adapters.orm").audit
    with _engine(database_url) as engine:
        _record_one(engine, trail)

        statements = ["UPDATE audit_record SET actor = 'someone-else'", "DELETE FROM audit_record"]
        if engine.dialect.name == "postgresql":
            statements.append("TRUNCATE audit_record")
        for statement in statements:
            assert APPEND_ONLY_MESSAGE in _refused(engine, statement), statement

        with engine.connect() as conn:
            [row] = conn.execute(select(trail.table)).all()
        assert (row.actor, row.role, row.action, row.target) == ("desk-1", "front_desk", "booking.cancel", "b-1")
        assert row.client_address == "192.0.2.10"


def test_a_table_made_by_create_all_is_append_only_too(database_url: str) -> None:
    metadata = new_metadata()
    trail = AuditTrail(metadata)
    with _engine(database_url) as engine:
        metadata.create_all(engine)
        _record_one(engine, trail)

        assert APPEND_ONLY_MESSAGE in _refused(engine, "DELETE FROM audit_record")


def test_a_rolled_back_change_leaves_no_audit_row(database_url: str) -> None:
    migrate("booking", database_url)
    trail = importlib.import_module("services.booking.adapters.orm").audit
    with _engine(database_url) as engine:
        with pytest.raises(RuntimeError), transaction(make_session_factory(engine)) as session:
            trail.record(session, DESK, "booking.cancel", "b-2", system_clock.now())
            raise RuntimeError("the change failed after its row was written")

        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(trail.table)).scalar_one() == 0
            # Inserting stays allowed: the trail only grows.
            conn.execute(
                insert(trail.table).values(
                    at=system_clock.now(), actor="machine", role="machine", action="x", target="y", correlation_id="c"
                )
            )
            conn.commit()
            assert conn.execute(select(func.count()).select_from(trail.table)).scalar_one() == 1
