"""The booking and its life: one explicit state machine, plain Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from services.booking.domain.exceptions import IllegalTransition
from services.booking.domain.screening import Outcome


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    NEEDS_REVIEW = "needs_review"  # everything held; a therapist looks at the intake answers first
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    DECLINED = "declined"  # not approved after review (or not reviewed in time); everything released


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.CONFIRMED, Status.NEEDS_REVIEW, Status.REJECTED, Status.CANCELLED}),
    Status.NEEDS_REVIEW: frozenset({Status.CONFIRMED, Status.DECLINED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.NEEDS_REVIEW, Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW}),
    Status.REJECTED: frozenset(),
    Status.DECLINED: frozenset(),
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
    screening: Outcome | None = None  # the intake answers' outcome; None: the treatment asks nothing
    questionnaire_version: int | None = None

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
        """The saga's last step: confirmed, or held for review when the answers ask for a therapist's look."""
        self._move(Status.NEEDS_REVIEW if self.screening is Outcome.REVIEW else Status.CONFIRMED)
        self.therapist = therapist

    def approve(self) -> None:
        """A therapist looked at the answers: the held booking is confirmed."""
        if self.status is not Status.NEEDS_REVIEW:
            raise IllegalTransition(f"only a booking in review can be approved, this one is {self.status.value}")
        self._move(Status.CONFIRMED)

    def decline(self, reason: str) -> None:
        self._move(Status.DECLINED)
        self.reason = reason
        self.resources = {}
        self.therapist = None

    def answered(self, outcome: Outcome, version: int, now: datetime) -> None:
        """New answers until the visit starts; a `review` answer puts a confirmed booking back into review."""
        self.check_answerable(now)
        self.screening, self.questionnaire_version = outcome, version
        if self.status is Status.CONFIRMED and outcome is Outcome.REVIEW:
            self._move(Status.NEEDS_REVIEW)

    def reject(self, reason: str) -> None:
        self._move(Status.REJECTED)
        self.reason = reason
        self.resources = {}
        self.therapist = None

    def check_answerable(self, now: datetime) -> None:
        if self.status not in (Status.PENDING, Status.NEEDS_REVIEW, Status.CONFIRMED) or now >= self.start:
            raise IllegalTransition("answers can be changed only before the visit, while it is booked")

    def cancel(self, now: datetime, free_until: timedelta, by_clinic: bool = False, reason: str | None = None) -> None:
        """Cancel; a client's cancellation of a confirmed visit within `free_until` of the start counts as late.
        The clinic may say why (`reason`); a client's cancellation needs no reason."""
        late = self.cancelling_is_late(now, free_until, by_clinic)
        self._move(Status.CANCELLED)
        self.late_cancellation = late
        self.reason = (reason or "cancelled by the clinic") if by_clinic else "cancelled by the client"

    def cancelling_is_late(self, now: datetime, free_until: timedelta, by_clinic: bool = False) -> bool:
        """Whether cancelling at `now` would count as late: only a client's, of a confirmed visit, within
        `free_until` of its start (an unconfirmed booking promised nothing, so it is never late)."""
        return not by_clinic and self.status is Status.CONFIRMED and self.start - now < free_until

    def move_to(  # five inputs: the new slot, what holds it and where
        self, start: datetime, end: datetime, resources: dict[str, str], therapist: str, location: str | None = None
    ) -> None:
        """Reschedule a confirmed booking (to `location`, if given); the caller already holds the new
        slot's resources."""
        if self.status is not Status.CONFIRMED:
            raise IllegalTransition(f"only a confirmed booking can be rescheduled, this one is {self.status.value}")
        self.start, self.end = start, end
        self.location = location or self.location
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
