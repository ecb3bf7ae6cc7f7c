"""Stand-ins for notifications' ports: an in-memory repository (its unique delivery key mirrored), a
clock that says what the test tells it, and a mail server that records or refuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.notifications.adapters.mailer import PermanentFailure, TransientFailure
from services.notifications.adapters.repository import AbstractRepository, Transactions
from services.notifications.domain.messages import Delivery, DeliveryStatus, Mail, Outcome, OwedMessage
from services.notifications.domain.visit import ACTIVE, LocationCopy, TreatmentCopy, Visit


class FakeRepository(AbstractRepository):
    def __init__(self) -> None:
        self.visits: dict[str, Visit] = {}
        self.cancellations: dict[str, int] = {}
        self.rows: dict[int, Delivery] = {}
        self.treatments: dict[str, dict[str, Any]] = {}
        self.locations: dict[str, dict[str, Any]] = {}
        self.transactions_opened = 0

    def visit(self, booking_id: str) -> Visit | None:
        return self.visits.get(booking_id)

    def save_visit(self, visit: Visit) -> None:
        self.visits[visit.booking_id] = visit

    def active_visits(self, after: datetime, until: datetime) -> list[Visit]:
        found = [v for v in self.visits.values() if v.status == ACTIVE and after < v.start_at <= until]
        return sorted(found, key=lambda v: v.start_at)

    def remember_cancellation(self, booking_id: str, version: int) -> None:
        self.cancellations.setdefault(booking_id, version)

    def cancelled_version(self, booking_id: str) -> int | None:
        return self.cancellations.get(booking_id)

    def owe(self, message: OwedMessage, message_id: str, now: datetime) -> bool:
        key = message.key
        unique = (key.booking_id, key.kind.value, key.recipient, key.version)
        if any((d.booking_id, d.kind, d.recipient, d.booking_version) == unique for d in self.rows.values()):
            return False
        new_id = len(self.rows) + 1
        self.rows[new_id] = Delivery(
            id=new_id, booking_id=key.booking_id, kind=key.kind.value, recipient=key.recipient,
            booking_version=key.version, locale=message.locale, context=message.context, message_id=message_id,
            status=DeliveryStatus.QUEUED.value, attempts=0, next_attempt_at=now, claimed_at=None, last_error=None,
            correlation_id=message.correlation_id, created_at=now, sent_at=None,
        )  # fmt: skip
        return True

    def claim_due(
        self, now: datetime, stuck_since: datetime, booking_id: str | None, skip: frozenset[int], limit: int = 1
    ) -> list[Delivery]:
        won: list[Delivery] = []
        for row in sorted(self.rows.values(), key=lambda d: d.id):
            queued = row.status == DeliveryStatus.QUEUED.value and row.next_attempt_at <= now
            stuck = row.status == DeliveryStatus.SENDING.value and (row.claimed_at or now) < stuck_since
            if (queued or stuck) and row.id not in skip and booking_id in (None, row.booking_id) and len(won) < limit:
                claimed = replace(row, status=DeliveryStatus.SENDING.value, claimed_at=now, attempts=row.attempts + 1)
                self.rows[row.id] = claimed
                won.append(claimed)
        return won

    def finish(self, claimed: Delivery, outcome: Outcome) -> None:
        row = self.rows[claimed.id]
        if row.status != DeliveryStatus.SENDING.value or row.attempts != claimed.attempts:
            return
        self.rows[claimed.id] = replace(
            row, status=outcome.status.value, last_error=outcome.last_error,
            next_attempt_at=outcome.next_attempt_at or row.next_attempt_at, sent_at=outcome.sent_at or row.sent_at,
        )  # fmt: skip

    def requeue(self, delivery_id: int, now: datetime) -> bool:
        row = self.rows.get(delivery_id)
        if row is None or row.status not in (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value):
            return False
        self.rows[delivery_id] = replace(
            row, status=DeliveryStatus.QUEUED.value, next_attempt_at=now, last_error=None, attempts=0
        )
        return True

    def delivery(self, delivery_id: int) -> Delivery | None:
        return self.rows.get(delivery_id)

    def deliveries(self, booking_id: str | None = None, recipient: str | None = None) -> list[Delivery]:
        return [
            row
            for _, row in sorted(self.rows.items())
            if (not booking_id or row.booking_id == booking_id) and (not recipient or row.recipient == recipient)
        ]

    def delivery_counts(self) -> list[tuple[str, str, int]]:
        counts: dict[tuple[str, str], int] = {}
        for row in self.rows.values():
            counts[(row.kind, row.status)] = counts.get((row.kind, row.status), 0) + 1
        return [(kind, status, count) for (kind, status), count in counts.items()]

    def _upsert(self, held: dict[str, dict[str, Any]], key: str, published: dict[str, Any]) -> bool:
        current = held.get(published[key])
        if current is not None and current["revision"] >= published["revision"]:
            return False
        held[published[key]] = dict(published)
        return True

    def upsert_treatment_copy(self, published: dict[str, Any]) -> bool:
        return self._upsert(self.treatments, "slug", published)

    def upsert_location_copy(self, published: dict[str, Any]) -> bool:
        return self._upsert(self.locations, "code", published)

    def treatment_copy(self, slug: str) -> TreatmentCopy | None:
        held = self.treatments.get(slug)
        if held is None:
            return None
        fields = ("slug", "name", "summary", "what_to_expect", "preparation", "aftercare", "translations")
        return TreatmentCopy(**{name: held.get(name, {}) for name in fields})

    def location_copy(self, code: str) -> LocationCopy | None:
        held = self.locations.get(code)
        return None if held is None else LocationCopy(code=held["code"], name=held["name"], address=held["address"])

    def transactions(self) -> Transactions:
        """Every "transaction" sees this same memory (nothing is rolled back: the fake has no failures)."""

        @contextmanager
        def one() -> Iterator[AbstractRepository]:
            self.transactions_opened += 1
            yield self

        return one


@dataclass
class MailServer:
    """Records what is sent; fails each send with the next of `failures` while any are left."""

    sent: list[Mail] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    def send(self, mail: Mail) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(mail)

    def busy(self, times: int = 1) -> None:
        self.failures += [TransientFailure("451 4.3.2 mailbox busy, try again later") for _ in range(times)]

    def refuses(self) -> None:
        self.failures.append(PermanentFailure("550 5.1.1 mailbox unavailable"))
