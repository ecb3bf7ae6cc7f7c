"""What /availability lists can be booked; what it leaves out cannot."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.booking.adapters.repository import SqlRepository
from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Status
from services.booking.service_layer.availability import AvailabilityQuery, availability
from shared.db import SessionFactory, transaction
from tests.integration.booking.test_lifecycle import RULES, book
from tests.support.clock import at, now, working_day


def slots(factory: SessionFactory, day: date, days: int = 1, therapist: str | None = None) -> list[datetime]:
    query = AvailabilityQuery("back-leg-cupping", day, days, therapist)
    with transaction(factory) as session:
        return availability(SqlRepository(session), query, RULES, now())


def test_a_range_of_days_is_the_days_one_after_another(booking_factory: SessionFactory) -> None:
    day = working_day(3)
    ranged = slots(booking_factory, day, days=3)
    assert ranged == [s for offset in range(3) for s in slots(booking_factory, day + timedelta(days=offset))]
    assert ranged


def test_more_than_fourteen_days_is_refused(booking_factory: SessionFactory) -> None:
    with pytest.raises(InvalidRequest, match="between 1 and 14"):
        slots(booking_factory, working_day(3), days=15)


def test_a_full_slot_disappears_and_its_neighbours_respect_the_kit_sterilisation(
    booking_factory: SessionFactory,
) -> None:
    day = working_day(4)
    for _ in range(2):  # both kits at 13:00
        assert book(booking_factory, at(day, 13)).status is Status.CONFIRMED
    listed = set(slots(booking_factory, day))
    # A kit used 13:00-13:45 is sterilised until 14:15: 13:15 ... 14:00 cannot get a kit.
    for hour, minute in [(12, 45), (13, 0), (13, 30), (14, 0)]:
        assert at(day, hour, minute) not in listed
    assert at(day, 14, 15) in listed
    assert book(booking_factory, at(day, 14, 15)).status is Status.CONFIRMED
    assert book(booking_factory, at(day, 14)).status is Status.REJECTED


def test_only_a_chosen_therapists_free_times_are_listed(booking_factory: SessionFactory) -> None:
    day = working_day(5)
    anna = set(slots(booking_factory, day, therapist="anna-keller"))
    ben = set(slots(booking_factory, day, therapist="ben-okafor"))
    assert at(day, 9) in anna and at(day, 9) not in ben  # Ben starts at 12:00
    assert at(day, 18) in ben and at(day, 18) not in anna  # Anna leaves at 16:00
