"""The booking saga.

The saga runs in workers. Its two steps run back to back in one transaction with the events they cause,
on one message (`place`: one hop, one commit, instead of a hop and a commit per step):
  reserve_resources: hold a room (and a cupping kit where needed)  -> booking.resources_reserved
  assign_therapist:  hold a qualified therapist, confirm           -> booking.confirmed; or, when the
                     client's intake answers ask for it, hold everything for a therapist's review
                     (booking.held_for_review; service_layer/intake.py goes on)
A step that cannot get what it needs releases every claim of the booking and rejects it with a
reason a person can read. Each step checks the booking's state first, so a repeated step is a no-op,
and a booking a lost message left pending (or between the steps, as a message queued for the
`booking.assign_therapist` task of older releases does) is moved on by `drive_stale`.
Cancel, reschedule, complete and no-show (service_layer/changes.py) run in the API's transaction and
announce their events the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime

from services.booking.adapters.repository import AbstractRepository, Transactions
from services.booking.domain.calendar import BookingRules
from services.booking.domain.catalog import TreatmentSpec
from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Booking, Status
from services.booking.service_layer.catalog_copy import check_in_range, location_rules
from services.booking.service_layer.holding import (
    Placement,
    hold_resources,
    hold_therapist,
    no_therapist_reason,
    slot_facts,
    when,
)
from shared.events import (
    BookingConfirmed,
    BookingHeldForReview,
    BookingRejected,
    BookingRequested,
    ClientContact,
    Envelope,
    ResourcesReserved,
)

log = logging.getLogger(__name__)


def reject(
    repository: AbstractRepository, booking: Booking, treatment: TreatmentSpec | None, reason: str, rules: BookingRules
) -> None:
    """Release every claim of the booking, reject it with `reason` and announce it."""
    repository.release_claims(booking.id)
    booking.reject(reason)
    repository.save(booking)
    log.info("booking %s rejected: %s", booking.id, reason)  # ids and reasons only: no client data
    repository.announce(
        BookingRejected(
            booking_id=booking.id,
            booking_version=booking.version,
            treatment=booking.treatment,
            treatment_name=treatment.name if treatment else booking.treatment,
            start=booking.start,
            timezone=rules.tz.key,
            reason=reason,
            client=ClientContact(**asdict(booking.client)),
            location=booking.location,
        ),
        booking.correlation_id,
    )


def _step_ready(
    repository: AbstractRepository, booking_id: str, defaults: BookingRules, waiting: Callable[[Booking], bool]
) -> Placement | None:
    """The booking, its treatment and rules when it waits for this saga step; None (a repeat) otherwise.
    A treatment or location withdrawn meanwhile rejects the booking."""
    booking = repository.get(booking_id, lock=True)
    if booking is None or not waiting(booking):
        return None
    try:
        rules = location_rules(repository, booking.location, defaults)
    except InvalidRequest:
        reason = "this location no longer takes bookings"
        reject(repository, booking, None, reason, replace(defaults, location=booking.location))
        return None
    treatment = repository.treatment(booking.treatment)
    if treatment is None or not treatment.active:
        reject(repository, booking, treatment, "this treatment is no longer offered", rules)
        return None
    try:
        check_in_range(treatment)
    except InvalidRequest:  # logged there; rejected rather than left pending or crashing on every retry
        reject(repository, booking, treatment, "this treatment cannot be booked at the moment", rules)
        return None
    return Placement(booking, treatment, booking.start, rules)


def reserve_resources(repository: AbstractRepository, booking_id: str, defaults: BookingRules) -> None:
    """Saga step 1: hold a free resource of every kind the treatment needs, or reject."""
    placement = _step_ready(repository, booking_id, defaults, lambda b: b.awaiting_resources)
    if placement is None:
        return
    booking, rules = placement.booking, placement.rules
    held = hold_resources(repository, placement, prefer={})
    if isinstance(held, str):
        reject(repository, booking, placement.treatment, f"{held} at {when(booking.start, rules.tz)}", rules)
        return
    booking.hold(held)
    repository.save(booking)
    repository.announce(ResourcesReserved(booking_id=booking.id, resources=held), booking.correlation_id)


def assign_therapist(
    repository: AbstractRepository, booking_id: str, defaults: BookingRules, requested_at: datetime | None = None
) -> None:
    """Saga step 2: hold a qualified, working, free therapist and confirm (or hold for review); else
    release and reject. `requested_at` (the booking request's time) travels with the confirmation."""
    placement = _step_ready(repository, booking_id, defaults, lambda b: b.awaiting_therapist)
    if placement is None:
        return
    booking, treatment, rules = placement.booking, placement.treatment, placement.rules
    therapist = hold_therapist(repository, placement, prefer=None)
    if therapist is None:
        reason = f"{no_therapist_reason(repository, booking, treatment)} at {when(booking.start, rules.tz)}"
        reject(repository, booking, treatment, reason, rules)
        return
    booking.confirm(therapist)
    repository.save(booking)
    facts = slot_facts(repository, booking, treatment, rules)
    held = booking.status is Status.NEEDS_REVIEW
    announced = BookingHeldForReview(**facts) if held else BookingConfirmed(**facts, requested_at=requested_at)
    repository.announce(announced, booking.correlation_id)
    log.info("booking %s %s", booking.id, booking.status.value)


def place(
    repository: AbstractRepository, booking_id: str, defaults: BookingRules, requested_at: datetime | None = None
) -> None:
    """Both saga steps, one after the other, in the caller's transaction."""
    reserve_resources(repository, booking_id, defaults)
    assign_therapist(repository, booking_id, defaults, requested_at)


def on_booking_requested(repository: AbstractRepository, event: Envelope, defaults: BookingRules) -> None:
    place(repository, event.open(BookingRequested).booking_id, defaults, requested_at=event.occurred_at)


def drive_stale(transactions: Transactions, older_than: datetime, defaults: BookingRules) -> int:
    """Move on every booking a lost message left pending, each in a transaction of its own, so one that
    fails (and is logged) does not hold back the others; returns how many were settled."""
    with transactions() as repository:
        ids = repository.stale_pending(older_than)
    settled = 0
    for booking_id in ids:
        try:
            with transactions() as repository:
                place(repository, booking_id, defaults)
            settled += 1
        except Exception:
            log.exception("could not settle pending booking %s", booking_id)
    return settled
