"""The booking saga on the fake repository: each step holds what it needs or rejects and lets go."""

from __future__ import annotations

from datetime import timedelta

from services.booking.domain.model import Status
from services.booking.service_layer import saga
from shared.events import BookingConfirmed, BookingRejected, BookingRequested, Envelope, ResourcePublished
from tests.support.clock import FixedClock
from tests.unit.booking.conftest import RULES, TUESDAY, ask, at, book, publish
from tests.unit.booking.fakes import FakeRepository


def test_reserving_then_assigning_confirms_with_a_room_a_kit_and_a_therapist(repository: FakeRepository) -> None:
    booking = ask(repository, at(TUESDAY, 13))
    assert booking.status is Status.PENDING

    saga.reserve_resources(repository, booking.id, RULES)
    saga.assign_therapist(repository, booking.id, RULES)

    confirmed = repository.get(booking.id)
    assert confirmed is not None and confirmed.status is Status.CONFIRMED
    assert confirmed.resources == {"room": "room-1", "cupping_kit": "kit-a"} and confirmed.therapist == "anna"
    assert repository.announced_types() == ["booking.requested", "booking.resources_reserved", "booking.confirmed"]
    event, correlation = repository.announced[-1]
    assert isinstance(event, BookingConfirmed) and correlation == "test"
    assert (event.therapist_name, event.resource_names) == ("Anna Keller", {"room": "Room 1", "cupping_kit": "Kit A"})
    kinds = {kind for kind, _, _ in repository.claims_of(booking.id)}
    assert kinds == {"room", "cupping_kit", "therapist"}


def test_place_runs_both_steps_in_one_call_and_a_repeat_changes_nothing(repository: FakeRepository) -> None:
    booking = ask(repository, at(TUESDAY, 13))

    saga.place(repository, booking.id, RULES)
    placed, announced = repository.get(booking.id), list(repository.announced)
    saga.place(repository, booking.id, RULES)  # a redelivered booking.requested

    assert placed is not None and placed.status is Status.CONFIRMED and placed.therapist == "anna"
    assert repository.announced_types() == ["booking.requested", "booking.resources_reserved", "booking.confirmed"]
    assert repository.get(booking.id) == placed and repository.announced == announced


def test_the_confirmation_carries_the_time_of_the_request_it_answers(repository: FakeRepository) -> None:
    booking = ask(repository, at(TUESDAY, 13))
    requested = Envelope.wrap(BookingRequested(booking_id=booking.id, treatment=booking.treatment,
                                               start=booking.start, end=booking.end), "test")  # fmt: skip

    saga.on_booking_requested(repository, requested, RULES)

    event, _ = repository.announced[-1]
    assert isinstance(event, BookingConfirmed) and event.requested_at == requested.occurred_at


def test_a_repeated_step_changes_nothing(repository: FakeRepository) -> None:
    booking = book(repository, at(TUESDAY, 13))
    claims, announced = repository.claims_of(booking.id), list(repository.announced)

    saga.reserve_resources(repository, booking.id, RULES)  # a redelivered booking.requested
    saga.assign_therapist(repository, booking.id, RULES)  # a redelivered booking.resources_reserved

    assert repository.get(booking.id) == booking
    assert repository.claims_of(booking.id) == claims and repository.announced == announced


def test_no_free_kit_rejects_at_the_first_step_with_a_reason(repository: FakeRepository) -> None:
    book(repository, at(TUESDAY, 13))  # takes the only kit
    second = book(repository, at(TUESDAY, 13, 15))  # the kit is in use, then sterilised

    assert second.status is Status.REJECTED
    assert second.reason == "no cupping kit is free at 13:15 on 09 Jun 2026"
    assert repository.claims_of(second.id) == set()
    event, _ = repository.announced[-1]
    assert isinstance(event, BookingRejected) and event.reason == second.reason and event.timezone == "Europe/Berlin"


def test_no_free_therapist_rejects_and_releases_the_room_and_kit_already_held(repository: FakeRepository) -> None:
    publish(repository, ResourcePublished(code="kit-b", revision=1, kind="cupping_kit", name="Kit B", location="main"))
    book(repository, at(TUESDAY, 13))  # Anna, the only one who cups
    second = ask(repository, at(TUESDAY, 13))
    saga.reserve_resources(repository, second.id, RULES)
    assert {kind for kind, _, _ in repository.claims_of(second.id)} == {"room", "cupping_kit"}

    saga.assign_therapist(repository, second.id, RULES)

    rejected = repository.get(second.id)
    assert rejected is not None and rejected.status is Status.REJECTED
    assert rejected.reason == "no therapist qualified in medical massage and cupping is free at 13:00 on 09 Jun 2026"
    assert repository.claims_of(second.id) == set()
    assert repository.announced_types()[-1] == "booking.rejected"


def test_a_treatment_withdrawn_while_pending_is_rejected(repository: FakeRepository) -> None:
    booking = ask(repository, at(TUESDAY, 10))
    repository.copies[next(k for k in repository.copies if k[1] == "back-leg-cupping")]["active"] = False

    saga.reserve_resources(repository, booking.id, RULES)

    rejected = repository.get(booking.id)
    assert rejected is not None and rejected.reason == "this treatment is no longer offered"


def test_the_sweep_moves_on_bookings_a_lost_message_left_pending(repository: FakeRepository, clock: FixedClock) -> None:
    lost = ask(repository, at(TUESDAY, 13))
    clock.advance(timedelta(minutes=5))
    fresh = ask(repository, at(TUESDAY, 15))

    settled = saga.drive_stale(repository.transaction, clock.now() - timedelta(minutes=1), RULES)

    assert settled == 1
    assert [repository.get(b.id).status for b in (lost, fresh)] == [Status.CONFIRMED, Status.PENDING]  # type: ignore[union-attr]
