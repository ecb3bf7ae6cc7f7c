"""Engines and sessions: SQLite in WAL mode with writers serialised, PostgreSQL as is."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 30_000  # how long a SQLite statement waits for another process's write

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An instant in a table: aware UTC in and out, stored as naive UTC (SQLite keeps no time zone).

    A naive datetime is refused, so no call site guesses which zone it meant."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def new_metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention (stable names for Alembic)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    """Build an engine; call it in each process (never share a pool across a fork)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: a database error in a log never shows a client's name or email. The pool is as
    # large as the API's thread pool (40): a request never times out waiting for a connection.
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        hide_parameters=True,
        pool_size=10,
        max_overflow=30,
    )
    # SQLite lets one writer in at a time and makes the others poll with sleeps of up to 100 ms: under a
    # burst of requests the waits grow long and unfair ("database is locked" after 30 s). Threads of
    # one process therefore queue here for their turn and wake as soon as it is theirs; only one of
    # them at a time waits on SQLite for the other processes.
    writer = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, open transactions, so that we can open them IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # A writer takes the lock at BEGIN: no deferred read-then-upgrade deadlocks between workers.
        # Readers (sessions from `make_session_factory(..., read_only=True)`) never wait for writers.
        if conn.get_execution_options().get("read_only", False):
            conn.exec_driver_sql("BEGIN")
            return
        # Errors leave as SQLAlchemy's OperationalError (a DBAPIError), which consumers retry: this
        # event runs outside SQLAlchemy's own wrapping of driver errors.
        if not writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("no turn to write in this process"))
        conn.info["holds_writer"] = True
        try:
            _begin_immediate(conn.connection.dbapi_connection)
        except sqlite3.OperationalError as error:
            _let_go(conn.info)
            raise OperationalError("BEGIN IMMEDIATE", None, error) from error
        except BaseException:
            _let_go(conn.info)
            raise

    def _let_go(info: dict[str, object]) -> None:
        if info.pop("holds_writer", False):
            writer.release()

    # The turn ends with the transaction; a connection returned to the pool mid-transaction ends it too.
    event.listen(engine, "commit", lambda conn: _let_go(conn.info))
    event.listen(engine, "rollback", lambda conn: _let_go(conn.info))
    event.listen(engine.pool, "checkin", lambda _dbapi, record: _let_go(record.info))
    return engine


def _begin_immediate(dbapi_conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, tried again every millisecond or two while another process writes. SQLite's
    own busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries: under a burst those sleeps,
    not the work, set the pace. Plain statements keep the busy handler (busy_timeout)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(0.001 + random.random() / 1000)  # jittered: waiting processes do not wake in step
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


SessionFactory = sessionmaker[Session]
Repo = TypeVar("Repo")


def make_session_factory(engine: Engine, read_only: bool = False) -> SessionFactory:
    """Sessions on the engine; `read_only` ones do not take SQLite's write lock when they begin."""
    bind = engine.execution_options(read_only=True) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any exception."""
    with factory() as session, session.begin():
        yield session


def transactions(
    factory: SessionFactory, repository: Callable[[Session], Repo]
) -> Callable[[], AbstractContextManager[Repo]]:
    """Open `repository(session)` on a transaction of its own at each call: committed when the block
    ends, rolled back on any exception (for use cases that run several short transactions)."""

    @contextmanager
    def open_one() -> Iterator[Repo]:
        with transaction(factory) as session:
            yield repository(session)

    return open_one


class Database:
    """A service's database, connected on first use and once per process (`reset` after a fork)."""

    def __init__(self, url: Callable[[], str]) -> None:
        self._url = url
        self._engine: Engine | None = None
        self._factories: dict[bool, SessionFactory] = {}

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self._url())
        return self._engine

    def session_factory(self) -> SessionFactory:
        return self._factory(read_only=False)

    def read_session_factory(self) -> SessionFactory:
        return self._factory(read_only=True)

    def _factory(self, read_only: bool) -> SessionFactory:
        if read_only not in self._factories:
            self._factories[read_only] = make_session_factory(self.engine(), read_only=read_only)
        return self._factories[read_only]

    def reset(self) -> None:
        """Forget the engine (a forked child must not use its parent's pool; tests change the URL)."""
        if self._engine is not None:
            self._engine.dispose(close=False)
        self._engine, self._factories = None, {}
