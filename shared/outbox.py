"""Transactional outbox and idempotent inbox, shared by every service.

A state change and the events it causes are written in one transaction (`Outbox.add`); the relay
publishes them afterwards and marks them sent, so a crash in between publishes again rather than
never. Consumers record each handled event id in the same transaction as its effect
(`Outbox.consume_once`), so a redelivered event changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.clock import system_clock
from shared.db import SessionFactory, UtcDateTime, transaction
from shared.events import Envelope, Payload
from shared.observability import observe_relay_lag
from shared.routing import subscribers_of

Publish = Callable[[str, dict[str, Any]], None]


class Outbox:
    """The outbox and inbox tables of one service's database, and what is done with them."""

    def __init__(self, metadata: MetaData) -> None:
        self.outbox = Table(
            "outbox_message",
            metadata,
            Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("type", String(100), nullable=False),
            Column("envelope", Text, nullable=False),
            Column("created_at", UtcDateTime, nullable=False, default=system_clock.now),
            Column("published_at", UtcDateTime, nullable=True, index=True),
            Column("resent_at", UtcDateTime, nullable=True),
        )
        self.inbox = Table(
            "inbox_message",
            metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_id", String(36), primary_key=True),
            Column("handled_at", UtcDateTime, nullable=False, default=system_clock.now),
        )

    def add(self, session: Session, payload: Payload, correlation_id: str) -> Envelope:
        """Record an event in the caller's transaction; it is published only if that transaction commits."""
        envelope = Envelope.wrap(payload, correlation_id)
        session.execute(
            insert(self.outbox).values(
                event_id=envelope.event_id,
                type=envelope.type,
                envelope=envelope.model_dump_json(),
                created_at=system_clock.now(),
            )
        )
        return envelope

    def relay(self, factory: SessionFactory, publish: Publish, batch: int = 200, look_first: bool = True) -> int:
        """Publish unsent events to every subscriber, oldest first; returns how many were sent.

        A read-only look comes first: most calls (after each handled event, on every tick) find
        nothing, and then no write transaction is opened (on SQLite: no write lock, no fsync). A
        caller that has just written events skips it (`look_first=False`)."""
        unsent = self.outbox.c.published_at.is_(None)
        if look_first:
            with factory() as session, session.begin():
                session.connection(execution_options={"read_only": True})
                if session.execute(select(self.outbox.c.id).where(unsent).limit(1)).first() is None:
                    return 0
        with transaction(factory) as session:
            query = (
                select(self.outbox.c.id, self.outbox.c.type, self.outbox.c.envelope, self.outbox.c.created_at)
                .where(unsent)
                .order_by(self.outbox.c.id)
                .limit(batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            for row in rows:
                envelope = json.loads(row.envelope)
                for task_name in subscribers_of(row.type):
                    publish(task_name, envelope)
            published_at = system_clock.now()
            if rows:
                session.execute(
                    update(self.outbox)
                    .where(self.outbox.c.id.in_([row.id for row in rows]))
                    .values(published_at=published_at)
                )
        for row in rows:  # committed: these are out
            observe_relay_lag((published_at - row.created_at).total_seconds())
        return len(rows)

    def resend_recent(self, factory: SessionFactory, publish: Publish, after: timedelta, within: timedelta) -> int:
        """Publish once more every event sent between `within` and `after` ago: a second chance for
        whatever a broker restart lost while it sat in a queue. Consumers are idempotent, so the
        copy of an event they already handled changes nothing."""
        now = system_clock.now()
        with transaction(factory) as session:
            rows = session.execute(
                select(self.outbox.c.id, self.outbox.c.type, self.outbox.c.envelope).where(
                    self.outbox.c.published_at.is_not(None),
                    self.outbox.c.published_at <= now - after,
                    self.outbox.c.published_at >= now - within,
                    self.outbox.c.resent_at.is_(None),
                )
            ).all()
            for row in rows:
                for task_name in subscribers_of(row.type):
                    publish(task_name, json.loads(row.envelope))
            if rows:
                ids = [row.id for row in rows]
                session.execute(update(self.outbox).where(self.outbox.c.id.in_(ids)).values(resent_at=now))
        return len(rows)

    def purge(self, factory: SessionFactory, older_than: timedelta) -> int:
        """Forget published events and handled-event records older than `older_than`; returns rows removed.

        The inbox must remember an event for longer than the broker can redeliver it (the visibility
        timeout) and the outbox may republish it (until published): days, not seconds."""
        cutoff = system_clock.now() - older_than
        with transaction(factory) as session:
            published = session.execute(
                delete(self.outbox).where(self.outbox.c.published_at.is_not(None), self.outbox.c.published_at < cutoff)
            ).rowcount
            handled = session.execute(delete(self.inbox).where(self.inbox.c.handled_at < cutoff)).rowcount
        return published + handled

    def backlog(self, factory: SessionFactory) -> tuple[int, float]:
        """How many events wait to be published, and how many seconds the oldest has waited."""
        with transaction(factory) as session:
            count, oldest = session.execute(
                select(func.count(), func.min(self.outbox.c.created_at)).where(self.outbox.c.published_at.is_(None))
            ).one()
        return int(count), (system_clock.now() - oldest).total_seconds() if oldest else 0.0

    def consume_once(
        self,
        factory: SessionFactory,
        consumer: str,
        envelope: dict[str, Any] | Envelope,
        handle: Callable[[Session, Envelope], None],
    ) -> bool:
        """Run `handle` once per (consumer, event id), in one transaction with the inbox record.

        Returns False, having done nothing, for an event this consumer already handled.
        """
        event = envelope if isinstance(envelope, Envelope) else Envelope.model_validate(envelope)
        with transaction(factory) as session:
            try:
                with session.begin_nested():
                    session.execute(
                        insert(self.inbox).values(
                            consumer=consumer, event_id=event.event_id, handled_at=system_clock.now()
                        )
                    )
            except IntegrityError:
                return False
            handle(session, event)
        return True
