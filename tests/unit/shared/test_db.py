"""SQLite writers: one at a time, queued fairly, and a writer that waits too long fails the way
consumers retry (a DBAPIError), letting go of its turn."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared import db


def test_a_writer_kept_waiting_by_another_process_fails_as_a_database_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    factory = db.make_session_factory(db.make_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    with db.transaction(factory) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")

    with pytest.raises(DBAPIError), db.transaction(factory) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))

    other.execute("COMMIT")
    with db.transaction(factory) as session:  # the turn was let go: the next writer gets in
        session.execute(text("INSERT INTO t VALUES (2)"))
    assert other.execute("SELECT x FROM t").fetchall() == [(2,)]


def test_writers_of_one_process_take_turns_and_all_get_in(tmp_path: Path) -> None:
    factory = db.make_session_factory(db.make_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    with db.transaction(factory) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))

    def write(n: int) -> None:
        for i in range(20):
            with db.transaction(factory) as session:
                session.execute(text("INSERT INTO t VALUES (:x)"), {"x": n * 100 + i})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with db.transaction(factory) as session:
        assert session.execute(text("SELECT count(DISTINCT x) FROM t")).scalar() == 160
