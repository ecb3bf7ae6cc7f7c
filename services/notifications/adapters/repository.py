"""What the use cases read and write, asked in the clinic's words; `SqlRepository` answers from the tables."""

from __future__ import annotations

import abc
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import appointment, cancellation, delivery, location_copy, treatment_copy
from services.notifications.domain.messages import Delivery, DeliveryStatus, Outcome, OwedMessage
from services.notifications.domain.visit import ACTIVE, LocationCopy, TreatmentCopy, Visit
from shared.replica import upsert_by_revision


class AbstractRepository(abc.ABC):
    """Every read and write of notifications' own data."""

    # ---- visits ----
    @abc.abstractmethod
    def visit(self, booking_id: str) -> Visit | None: ...

    @abc.abstractmethod
    def save_visit(self, visit: Visit) -> None:
        """Keep this version of the visit, replacing any other."""

    @abc.abstractmethod
    def active_visits(self, after: datetime, until: datetime) -> list[Visit]:
        """Active visits starting after `after`, up to and including `until`, earliest first."""

    @abc.abstractmethod
    def remember_cancellation(self, booking_id: str, version: int) -> None:
        """Remember that this booking was cancelled (a second time changes nothing)."""

    @abc.abstractmethod
    def cancelled_version(self, booking_id: str) -> int | None: ...

    # ---- deliveries ----
    @abc.abstractmethod
    def owe(self, message: OwedMessage, message_id: str, now: datetime) -> bool:
        """Record a message as due now; False when the same message (its key) is owed already."""

    @abc.abstractmethod
    def claim_due(
        self, now: datetime, stuck_since: datetime, booking_id: str | None, skip: frozenset[int], limit: int = 1
    ) -> list[Delivery]:
        """Move up to `limit` due deliveries (queued and due, or `sending` since before `stuck_since`),
        oldest first, to `sending`, counting the attempt, and return them; [] when nothing is due. A
        delivery another worker claimed first is passed over."""

    @abc.abstractmethod
    def finish(self, claimed: Delivery, outcome: Outcome) -> None:
        """Record how sending went, unless the delivery was claimed again meanwhile (this worker was too slow)."""

    @abc.abstractmethod
    def requeue(self, delivery_id: int, now: datetime) -> bool:
        """Queue a sent or failed delivery again, its attempts counted afresh; False for any other."""

    @abc.abstractmethod
    def delivery(self, delivery_id: int) -> Delivery | None: ...

    @abc.abstractmethod
    def deliveries(
        self, booking_id: str | None = None, recipient: str | None = None, locations: frozenset[str] | None = None
    ) -> list[Delivery]:
        """Oldest first; with `locations`, only those of bookings at one of them (no day schedules)."""

    @abc.abstractmethod
    def delivery_counts(self) -> list[tuple[str, str, int]]:
        """(kind, status, how many)"""

    # ---- copies of the catalog ----
    @abc.abstractmethod
    def upsert_treatment_copy(self, published: dict[str, Any]) -> bool:
        """Keep a treatment's texts unless this or a newer revision is held already."""

    @abc.abstractmethod
    def upsert_location_copy(self, published: dict[str, Any]) -> bool: ...

    @abc.abstractmethod
    def treatment_copy(self, slug: str) -> TreatmentCopy | None: ...

    @abc.abstractmethod
    def location_copy(self, code: str) -> LocationCopy | None: ...


def _visit(row: Any) -> Visit:
    return Visit(**dict(row._mapping))


def _delivery(row: Any) -> Delivery:
    return Delivery(**dict(row._mapping))


class SqlRepository(AbstractRepository):
    """The repository on one session; the caller's transaction commits or rolls back."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def visit(self, booking_id: str) -> Visit | None:
        row = self.session.execute(select(appointment).where(appointment.c.booking_id == booking_id)).first()
        return None if row is None else _visit(row)

    def save_visit(self, visit: Visit) -> None:
        values = asdict(visit)
        changed = self.session.execute(
            update(appointment).where(appointment.c.booking_id == visit.booking_id).values(**values)
        ).rowcount
        if not changed:
            self.session.execute(insert(appointment).values(**values))

    def active_visits(self, after: datetime, until: datetime) -> list[Visit]:
        query = (
            select(appointment)
            .where(appointment.c.status == ACTIVE, appointment.c.start_at > after, appointment.c.start_at <= until)
            .order_by(appointment.c.start_at)
        )
        return [_visit(row) for row in self.session.execute(query)]

    def remember_cancellation(self, booking_id: str, version: int) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(insert(cancellation).values(booking_id=booking_id, version=version))
        except IntegrityError:
            pass  # remembered already

    def cancelled_version(self, booking_id: str) -> int | None:
        return self.session.execute(
            select(cancellation.c.version).where(cancellation.c.booking_id == booking_id)
        ).scalar()

    def owe(self, message: OwedMessage, message_id: str, now: datetime) -> bool:
        key = message.key
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(delivery).values(
                        booking_id=key.booking_id, kind=key.kind.value, recipient=key.recipient,
                        booking_version=key.version, locale=message.locale, context=message.context,
                        message_id=message_id, status=DeliveryStatus.QUEUED.value, attempts=0,
                        next_attempt_at=now, correlation_id=message.correlation_id, created_at=now,
                    )
                )  # fmt: skip
        except IntegrityError:
            return False  # the unique key: this message is owed already
        return True

    def claim_due(
        self, now: datetime, stuck_since: datetime, booking_id: str | None, skip: frozenset[int], limit: int = 1
    ) -> list[Delivery]:
        due = or_(
            and_(delivery.c.status == DeliveryStatus.QUEUED.value, delivery.c.next_attempt_at <= now),
            and_(delivery.c.status == DeliveryStatus.SENDING.value, delivery.c.claimed_at < stuck_since),
        )
        query = select(delivery).where(due).order_by(delivery.c.id).limit(limit + 9)
        if booking_id is not None:
            query = query.where(delivery.c.booking_id == booking_id)
        if skip:
            query = query.where(delivery.c.id.not_in(skip))
        won: list[Delivery] = []
        for row in self.session.execute(query).all():
            if len(won) == limit:
                break
            claimed = {"status": DeliveryStatus.SENDING.value, "claimed_at": now, "attempts": row.attempts + 1}
            if self.session.execute(
                update(delivery)
                .where(delivery.c.id == row.id, delivery.c.status == row.status, delivery.c.attempts == row.attempts)
                .values(**claimed)
            ).rowcount:
                won.append(Delivery(**{**row._asdict(), **claimed}))
        return won

    def finish(self, claimed: Delivery, outcome: Outcome) -> None:
        values: dict[str, Any] = {"status": outcome.status.value, "last_error": outcome.last_error}
        if outcome.next_attempt_at is not None:
            values["next_attempt_at"] = outcome.next_attempt_at
        if outcome.sent_at is not None:
            values["sent_at"] = outcome.sent_at
        self.session.execute(
            update(delivery)
            .where(delivery.c.id == claimed.id, delivery.c.status == DeliveryStatus.SENDING.value,
                   delivery.c.attempts == claimed.attempts)
            .values(**values)
        )  # fmt: skip

    def requeue(self, delivery_id: int, now: datetime) -> bool:
        done = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value)
        return bool(
            self.session.execute(
                update(delivery)
                .where(delivery.c.id == delivery_id, delivery.c.status.in_(done))
                .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=now, last_error=None, attempts=0)
            ).rowcount
        )

    def delivery(self, delivery_id: int) -> Delivery | None:
        row = self.session.execute(select(delivery).where(delivery.c.id == delivery_id)).first()
        return None if row is None else _delivery(row)

    def deliveries(
        self, booking_id: str | None = None, recipient: str | None = None, locations: frozenset[str] | None = None
    ) -> list[Delivery]:
        query = select(delivery).order_by(delivery.c.id)
        if locations is not None:
            at_locations = select(appointment.c.booking_id).where(appointment.c.location.in_(sorted(locations)))
            query = query.where(delivery.c.booking_id.in_(at_locations))
        if booking_id:
            query = query.where(delivery.c.booking_id == booking_id)
        if recipient:
            query = query.where(delivery.c.recipient == recipient)
        return [_delivery(row) for row in self.session.execute(query)]

    def delivery_counts(self) -> list[tuple[str, str, int]]:
        query = select(delivery.c.kind, delivery.c.status, func.count()).group_by(delivery.c.kind, delivery.c.status)
        return [(kind, status, count) for kind, status, count in self.session.execute(query)]

    def upsert_treatment_copy(self, published: dict[str, Any]) -> bool:
        return upsert_by_revision(self.session, treatment_copy, "slug", published)

    def upsert_location_copy(self, published: dict[str, Any]) -> bool:
        return upsert_by_revision(self.session, location_copy, "code", published)

    def treatment_copy(self, slug: str) -> TreatmentCopy | None:
        row = self.session.execute(select(treatment_copy).where(treatment_copy.c.slug == slug)).first()
        if row is None:
            return None
        return TreatmentCopy(
            slug=row.slug, name=row.name, summary=row.summary, what_to_expect=list(row.what_to_expect),
            preparation=list(row.preparation), aftercare=list(row.aftercare), translations=row.translations or {},
        )  # fmt: skip

    def location_copy(self, code: str) -> LocationCopy | None:
        row = self.session.execute(select(location_copy).where(location_copy.c.code == code)).first()
        return None if row is None else LocationCopy(code=row.code, name=row.name, address=row.address)


Transactions = Callable[[], AbstractContextManager[AbstractRepository]]
