"""What clients and staff do to a booking, on the fake repository: cancel, reschedule, close, and
what availability lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.booking.domain.calendar import cell_of
from services.booking.domain.exceptions import IllegalTransition, InvalidRequest, SlotUnavailable
from services.booking.domain.model import Status
from services.booking.service_layer import changes, gauges
from services.booking.service_layer.availability import AvailabilityQuery, availability
from shared.events import BookingCancelled, BookingRescheduled
from tests.support.clock import FixedClock
from tests.unit.booking.conftest import CUPPING, NECK, NOW, RULES, TUESDAY, ask, at, book
from tests.unit.booking.fakes import FakeRepository

POLICY = changes.CancellationPolicy(RULES, free_until=timedelta(hours=24))


def test_a_client_cancelling_days_ahead_pays_nothing_and_frees_everything(
    repository: FakeRepository, clock: FixedClock
) -> None:
    booking = book(repository, at(TUESDAY, 13))

    changes.cancel(repository, booking, clock.now(), POLICY, by_clinic=False)

    cancelled = repository.get(booking.id)
    assert cancelled is not None and cancelled.status is Status.CANCELLED and cancelled.late_cancellation is False
    assert repository.claims_of(booking.id) == set()
    event, _ = repository.announced[-1]
    assert isinstance(event, BookingCancelled) and not event.late and not event.by_clinic
    assert event.therapist_code == "anna" and event.free_cancellation_hours == 24


def test_a_client_cancelling_inside_the_free_window_cancels_late(repository: FakeRepository, clock: FixedClock) -> None:
    booking = book(repository, at(TUESDAY, 13))
    clock.advance(at(TUESDAY, 10) - clock.now())  # three hours before

    changes.cancel(repository, booking, clock.now(), POLICY, by_clinic=False)

    assert repository.get(booking.id).late_cancellation is True  # type: ignore[union-attr]
    assert repository.announced[-1][0].late is True  # type: ignore[attr-defined]


def test_the_clinic_cancelling_late_is_never_the_clients_late_cancellation(
    repository: FakeRepository, clock: FixedClock
) -> None:
    booking = book(repository, at(TUESDAY, 13))
    clock.advance(at(TUESDAY, 12) - clock.now())

    changes.cancel(repository, booking, clock.now(), POLICY, by_clinic=True)

    event, _ = repository.announced[-1]
    assert isinstance(event, BookingCancelled) and event.by_clinic and not event.late
    with pytest.raises(IllegalTransition):
        changes.cancel(repository, repository.get(booking.id), clock.now(), POLICY, by_clinic=True)  # type: ignore[arg-type]


def test_a_reschedule_to_a_slot_that_cannot_be_had_keeps_the_old_one(repository: FakeRepository) -> None:
    mine = book(repository, at(TUESDAY, 10))
    other = book(repository, at(TUESDAY, 13, 30), treatment=NECK)  # a room only
    kit_holder = ask(repository, at(TUESDAY, 15))
    assert repository.try_claim(
        kit_holder.id, "cupping_kit", "kit-a", range(cell_of(at(TUESDAY, 14)), cell_of(at(TUESDAY, 16)))
    )
    before = repository.claims_of(mine.id)

    with pytest.raises(SlotUnavailable, match=r"no cupping kit is free .* your booking keeps its time"):
        changes.reschedule(repository, repository.get(mine.id), at(TUESDAY, 14, 30), RULES, NOW)  # type: ignore[arg-type]

    assert repository.get(mine.id) == mine and repository.claims_of(mine.id) == before
    assert other.status is Status.CONFIRMED


def test_a_reschedule_moves_every_claim_to_the_new_time(repository: FakeRepository) -> None:
    booking = book(repository, at(TUESDAY, 10))
    version = booking.version

    changes.reschedule(repository, booking, at(TUESDAY, 14), RULES, NOW)

    moved = repository.get(booking.id)
    assert moved is not None and moved.start == at(TUESDAY, 14) and moved.version == version + 1
    held = repository.claims_of(booking.id)
    assert min(cell for _, _, cell in held) == cell_of(at(TUESDAY, 14))
    assert len(held) == 11 + 15 + 10  # 45 min plus the room's 10, the kit's 30, the therapist's 5, in 5-min cells
    event, _ = repository.announced[-1]
    assert isinstance(event, BookingRescheduled) and event.previous_start == at(TUESDAY, 10)
    assert at(TUESDAY, 10) in availability(repository, AvailabilityQuery(CUPPING, TUESDAY), RULES, NOW)


def test_only_a_confirmed_booking_can_be_rescheduled(repository: FakeRepository) -> None:
    pending = ask(repository, at(TUESDAY, 10))
    with pytest.raises(IllegalTransition, match="only a confirmed booking"):
        changes.reschedule(repository, pending, at(TUESDAY, 11), RULES, NOW)


@pytest.mark.parametrize(("outcome", "status"), [("completed", Status.COMPLETED), ("no_show", Status.NO_SHOW)])
def test_staff_close_a_visit_once_it_has_started(
    repository: FakeRepository, clock: FixedClock, outcome: str, status: Status
) -> None:
    booking = book(repository, at(TUESDAY, 10))
    with pytest.raises(IllegalTransition, match="only once it has started"):
        changes.close(repository, booking, outcome, clock.now())

    changes.close(repository, booking, outcome, at(TUESDAY, 10, 20))

    assert repository.get(booking.id).status is status  # type: ignore[union-attr]
    assert repository.announced_types()[-1] == "booking.closed"


def test_a_start_in_the_past_is_refused(repository: FakeRepository) -> None:
    with pytest.raises(InvalidRequest, match="start is in the past"):
        ask(repository, NOW - timedelta(days=1))
    assert repository.bookings == {} and repository.announced == []


def test_availability_leaves_out_a_time_whose_kit_is_held(repository: FakeRepository) -> None:
    query = AvailabilityQuery(CUPPING, TUESDAY)
    listed = availability(repository, query, RULES, NOW)
    assert (listed[0], listed[-1]) == (at(TUESDAY, 8), at(TUESDAY, 15, 15))  # Anna's day, 08:00 to 16:00

    book(repository, at(TUESDAY, 13))

    after = availability(repository, query, RULES, NOW)
    assert at(TUESDAY, 13) not in after and at(TUESDAY, 14) not in after  # the kit is sterilised until 14:15
    assert at(TUESDAY, 14, 15) in after
    assert availability(repository, AvailabilityQuery(NECK, TUESDAY, therapist="ben"), RULES, NOW)[0] == at(TUESDAY, 12)


def test_gauges_count_bookings_and_time_the_oldest_pending(repository: FakeRepository, clock: FixedClock) -> None:
    ask(repository, at(TUESDAY, 10))
    clock.advance(timedelta(seconds=90))
    figures = gauges.gauges(repository, clock.now())
    assert figures["clinic_bookings"][2] == [(["pending"], 1)]
    assert figures["clinic_oldest_pending_seconds"][2] == [([], 90.0)]
