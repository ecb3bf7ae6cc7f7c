"""The audit trail, shared by every service: who did what to which record, when and from where.

Each service's database holds one append-only table (`AuditTrail`): a staff action writes its row in
the transaction of the change itself (`AuditTrail.record`), so a change never lands without its row and
a row never stands for a change that was rolled back. Triggers in the database refuse UPDATE and
DELETE on it (SQLite and PostgreSQL alike), created both by the migrations and by `create_all`.

A row names the actor (an account id and its role, or "machine"), an action name and the target's id,
the instant (the service's clock), the client's address as the API sees it and the correlation id.
Never the answers, never a client's name, email or phone: the target is an id, nothing more.
"""

# No `from __future__ import annotations`: FastAPI reads the annotations of the route made in audit_router.
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    event,
    insert,
    select,
)
from sqlalchemy.orm import Session

from shared.db import UtcDateTime
from shared.observability import correlation_id

if TYPE_CHECKING:
    from fastapi import APIRouter

    from shared.staff import Staff

TABLE = "audit_record"
APPEND_ONLY_MESSAGE = "the audit trail is append-only"

# One trigger per refused statement on SQLite; one function and one trigger on PostgreSQL.
_SQLITE_CREATE = [
    f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
]
_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}" for verb in ("update", "delete")]
_POSTGRES_CREATE = [
    f"CREATE OR REPLACE FUNCTION {TABLE}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
    f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse_change()",
    # TRUNCATE skips row triggers: refuse it with a statement trigger.
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse_change()",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse_change()",
]


def _statements(dialect: str, create: bool) -> list[str]:
    if dialect == "sqlite":
        return _SQLITE_CREATE if create else _SQLITE_DROP
    if dialect == "postgresql":
        return _POSTGRES_CREATE if create else _POSTGRES_DROP
    raise RuntimeError(f"no append-only triggers written for {dialect}")


class AuditTrail:
    """The audit table of one service's database, and what is done with it."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            TABLE,
            metadata,
            Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
            Column("at", UtcDateTime, nullable=False),
            Column("actor", String(36), nullable=False),
            Column("role", String(16), nullable=False),
            Column("action", String(64), nullable=False),
            Column("target", String(100), nullable=False),
            Column("client_address", String(64), nullable=True),
            Column("correlation_id", String(64), nullable=False),
            Index(f"ix_{TABLE}_actor", "actor"),
            Index(f"ix_{TABLE}_target", "target"),
        )
        # Tables made by create_all (tests, tools) are append-only too, not only migrated ones.
        for dialect in ("sqlite", "postgresql"):
            for statement in _statements(dialect, create=True):
                event.listen(self.table, "after_create", DDL(statement).execute_if(dialect=dialect))

    def record(self, session: Session, who: "Staff", action: str, target: str, at: datetime) -> None:
        """Add one row in the caller's transaction: it exists only if that transaction commits.

        `target` is an id (a booking's, an account's, a catalog entry's code), never personal data."""
        session.execute(
            insert(self.table).values(
                at=at,
                actor=who.id,
                role=who.role,
                action=action,
                target=target[:100],
                client_address=who.address[:64] if who.address else None,
                correlation_id=correlation_id.get() or "-",
            )
        )

    def page(
        self, session: Session, limit: int, offset: int, actor: str | None = None, target: str | None = None
    ) -> list[dict[str, Any]]:
        """Rows newest first, optionally only one actor's or one target's."""
        query = select(self.table).order_by(self.table.c.id.desc()).limit(limit).offset(offset)
        if actor is not None:
            query = query.where(self.table.c.actor == actor)
        if target is not None:
            query = query.where(self.table.c.target == target)
        return [dict(row._mapping) for row in session.execute(query)]


class AuditRecordPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    client_address: str | None
    correlation_id: str


def audit_router(trail: AuditTrail) -> "APIRouter":
    """GET /audit for admins: the service's trail, newest first, a page at a time."""
    # Imported here: workers and migrations use the table without loading the HTTP side.
    from fastapi import APIRouter, Query

    from shared.http import ReadSessionDep
    from shared.staff import AdminDep
    from shared.text import ONE_LINE  # a NUL in a filter would be a 500 from PostgreSQL: a 422 instead

    router = APIRouter()

    @router.get("/audit", response_model=list[AuditRecordPublic], tags=["audit"])
    def read_audit(  # one parameter per query parameter, as FastAPI documents them
        session: ReadSessionDep,
        _admin: AdminDep,
        limit: Annotated[int, Query(ge=1, le=500, description="at most this many rows")] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="skip this many newer rows")] = 0,
        actor: Annotated[str | None, Query(max_length=36, description="an account id, or machine"), ONE_LINE] = None,
        target: Annotated[
            str | None, Query(max_length=100, description="a booking id, account id or code"), ONE_LINE
        ] = None,
    ) -> list[AuditRecordPublic]:
        """Admin: who did what to which record, when and from where (never answers or client data)."""
        return [AuditRecordPublic(**row) for row in trail.page(session, limit, offset, actor, target)]

    return router


# For migrations (published revisions call these: never change what one does).


def create_audit_table() -> None:
    """The audit table as first created, with its append-only triggers."""
    from alembic import op

    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(f"ix_{TABLE}_actor", TABLE, ["actor"])
    op.create_index(f"ix_{TABLE}_target", TABLE, ["target"])
    for statement in _statements(op.get_context().dialect.name, create=True):
        op.execute(statement)


def drop_audit_table() -> None:
    from alembic import op

    for statement in _statements(op.get_context().dialect.name, create=False):
        op.execute(statement)
    op.drop_index(f"ix_{TABLE}_target", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_actor", table_name=TABLE)
    op.drop_table(TABLE)
