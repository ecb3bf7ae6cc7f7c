"""The booking and its life: one explicit state machine, plain Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.booking.domain.exceptions import IllegalTransition


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.CONFIRMED, Status.REJECTED}),
    Status.CONFIRMED: frozenset({Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW}),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.NO_SHOW: frozenset(),
}


@dataclass
class Client:
    name: str
    email: str
    phone: str | None = None


@dataclass
class Booking:
    id: str
    treatment: str
    start: datetime  # aware, UTC
    end: datetime
    client: Client
    token_hash: str
    correlation_id: str
    status: Status = Status.PENDING
    version: int = 1
    resources: dict[str, str] = field(default_factory=dict)  # kind -> code
    therapist: str | None = None
    reason: str | None = None

    def _move(self, to: Status) -> None:
        if to not in TRANSITIONS[self.status]:
            raise IllegalTransition(f"a {self.status.value} booking cannot become {to.value}")
        self.status = to
        self.version += 1

    def hold(self, resources: dict[str, str]) -> None:
        """The saga's first step: rooms and kits are held while the booking is still pending."""
        if self.status is not Status.PENDING or self.resources:
            raise IllegalTransition("resources are held only once, while the booking is pending")
        self.resources = dict(resources)

    def confirm(self, therapist: str) -> None:
        self._move(Status.CONFIRMED)
        self.therapist = therapist

    def reject(self, reason: str) -> None:
        self._move(Status.REJECTED)
        self.reason = reason
        self.resources = {}
        self.therapist = None

    @property
    def awaiting_resources(self) -> bool:
        return self.status is Status.PENDING and not self.resources

    @property
    def awaiting_therapist(self) -> bool:
        return self.status is Status.PENDING and bool(self.resources) and self.therapist is None
