"""What the web front ends ask the booking API for: today's availability and the front desk's day view.

The app here runs on a FixedClock the tests move, so "today" is whatever day a test says it is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.integration.conftest import BookingService, running_booking_service
from tests.support.clock import BERLIN, FixedClock, at, working_day

CUPPING = "back-leg-cupping"


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(at(working_day(1), 7))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[BookingService]:
    with running_booking_service(tmp_path_factory.mktemp("front-desk"), clock) as service:
        yield service


# ---- availability without a date ---------------------------------------------------------------


def test_availability_without_a_date_is_todays_in_the_locations_time_zone(
    desk: BookingService, clock: FixedClock
) -> None:
    day = working_day(3)
    clock.instant = at(day, 0, 30)  # still the day before in UTC: Berlin's date must win

    response = desk.client.get("/availability", params={"treatment": CUPPING})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["date"] == day.isoformat()
    assert body["timezone"] == BERLIN.key
    slots = [datetime.fromisoformat(slot) for slot in body["slots"]]
    assert slots[0] == at(day, 8)  # Anna's shift; 08:00 is more than the two hours' notice away
    assert {slot.date() for slot in slots} == {day}


def test_availability_without_a_date_starts_after_the_notice_later_in_the_day(
    desk: BookingService, clock: FixedClock
) -> None:
    day = working_day(4)
    clock.instant = at(day, 12)

    body = desk.client.get("/availability", params={"treatment": CUPPING, "days": 2}).json()

    assert body["date"] == day.isoformat() and body["days"] == 2
    slots = [datetime.fromisoformat(slot) for slot in body["slots"]]
    assert slots[0] == at(day, 14)  # two hours' notice
    days = {slot.date() for slot in slots}
    assert day in days and days <= {day, day + timedelta(days=1)}


def test_availability_with_a_date_answers_that_day_whatever_the_clock_says(
    desk: BookingService, clock: FixedClock
) -> None:
    clock.instant = at(working_day(1), 7)
    day = working_day(5)

    body = desk.client.get("/availability", params={"treatment": CUPPING, "date": day.isoformat()}).json()

    assert body["date"] == day.isoformat()
    assert datetime.fromisoformat(body["slots"][0]) == at(day, 8)


def test_availability_at_an_unknown_location_is_refused_with_a_reason(desk: BookingService) -> None:
    response = desk.client.get("/availability", params={"treatment": CUPPING, "location": "nowhere"})
    assert response.status_code == 422
    assert "unknown location 'nowhere'" in response.json()["detail"]
