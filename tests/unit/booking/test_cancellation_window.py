"""Whether cancelling now would be late: the one rule the cancel use case and the booking's answer share."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Status
from services.booking.service_layer import changes
from tests.support.clock import FixedClock
from tests.unit.booking.conftest import RULES, TUESDAY, ask, at, book
from tests.unit.booking.fakes import FakeRepository

DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("before_start", "by_clinic", "late"),
    [
        (timedelta(hours=25), False, False),
        (DAY, False, False),  # exactly at the edge: still free
        (DAY - timedelta(minutes=1), False, True),
        (timedelta(hours=1), True, False),  # the clinic's cancellation is never the client's fault
    ],
)
def test_cancelling_is_late_only_for_a_client_inside_the_free_window(
    repository: FakeRepository, clock: FixedClock, before_start: timedelta, by_clinic: bool, late: bool
) -> None:
    booking = book(repository, at(TUESDAY, 13))
    clock.advance(at(TUESDAY, 13) - before_start - clock.now())

    assert booking.cancelling_is_late(clock.now(), DAY, by_clinic) is late
    changes.cancel(repository, booking, clock.now(), changes.CancellationPolicy(RULES, DAY), by_clinic)
    assert booking.late_cancellation is late  # the cancel use case decided the same


def test_a_pending_or_cancelled_booking_is_never_late_to_cancel(repository: FakeRepository, clock: FixedClock) -> None:
    pending = ask(repository, at(TUESDAY, 13))
    clock.advance(at(TUESDAY, 12) - clock.now())
    assert pending.status is Status.PENDING and not pending.cancelling_is_late(clock.now(), DAY)

    pending.cancel(clock.now(), DAY)
    assert not pending.cancelling_is_late(clock.now(), DAY)


def test_the_clinic_may_say_why_it_cancels_and_the_client_never_needs_to(
    repository: FakeRepository, clock: FixedClock
) -> None:
    by_clinic, by_client, plain = (book(repository, at(TUESDAY, hour)) for hour in (9, 11, 14))
    policy = changes.CancellationPolicy(RULES, DAY)

    changes.cancel(repository, by_clinic, clock.now(), policy, by_clinic=True, reason="the therapist is ill")
    changes.cancel(repository, plain, clock.now(), policy, by_clinic=True)
    with pytest.raises(InvalidRequest, match="only staff give a reason"):
        changes.cancel(repository, by_client, clock.now(), policy, by_clinic=False, reason="busy")

    assert by_clinic.reason == "the therapist is ill"
    assert plain.reason == "cancelled by the clinic"
    assert by_client.status is Status.CONFIRMED
