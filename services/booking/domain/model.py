"""The booking and its life: one explicit state machine, plain Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    Status.PENDING: frozenset({Status.CONFIRMED, Status.REJECTED, Status.CANCELLED}),
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
    locale: str = "en"


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
    requested_therapist: str | None = None  # None: any qualified therapist
    location: str = "main"
    short_reminder: bool = False
    late_cancellation: bool | None = None

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

    def cancel(self, now: datetime, free_until: timedelta, by_clinic: bool = False) -> None:
        """Cancel; a client's cancellation within `free_until` of the start counts as late."""
        self._move(Status.CANCELLED)
        self.late_cancellation = not by_clinic and self.start - now < free_until
        self.reason = "cancelled by the clinic" if by_clinic else "cancelled by the client"

    def move_to(self, start: datetime, end: datetime, resources: dict[str, str], therapist: str) -> None:
        """Reschedule a confirmed booking; the caller already holds the new slot's resources."""
        if self.status is not Status.CONFIRMED:
            raise IllegalTransition(f"only a confirmed booking can be rescheduled, this one is {self.status.value}")
        self.start, self.end = start, end
        self.resources = dict(resources)
        self.therapist = therapist
        self.version += 1

    def complete(self, now: datetime) -> None:
        self._after_start(Status.COMPLETED, now)

    def mark_no_show(self, now: datetime) -> None:
        self._after_start(Status.NO_SHOW, now)

    def _after_start(self, to: Status, now: datetime) -> None:
        if to in TRANSITIONS[self.status] and now < self.start:
            raise IllegalTransition(f"a booking can become {to.value} only once it has started")
        self._move(to)

    @property
    def awaiting_resources(self) -> bool:
        return self.status is Status.PENDING and not self.resources

    @property
    def awaiting_therapist(self) -> bool:
        return self.status is Status.PENDING and bool(self.resources) and self.therapist is None
