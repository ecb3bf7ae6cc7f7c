"""What the web front ends ask the booking API for: today's availability and the front desk's day view.

The app here runs on a FixedClock the tests move, so "today" is whatever day a test says it is."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.booking.adapters.repository import SqlRepository
from services.booking.service_layer import saga
from shared.db import transaction
from shared.staff import NO_CREDENTIALS
from tests.integration.conftest import BookingService, running_booking_service
from tests.support.clock import BERLIN, FixedClock, at, working_day

CUPPING = "back-leg-cupping"
BACK_NECK = "back-neck"


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


# ---- the front desk's day -----------------------------------------------------------------------


def book(
    service: BookingService, start: datetime, treatment: str = CUPPING, therapist: str | None = None
) -> tuple[str, str]:
    """A client books over HTTP, then the two saga steps run as the workers would: (id, token)."""
    body: dict[str, Any] = {
        "treatment": treatment,
        "start": start.isoformat(),
        "client": {"name": "Maria Schmidt", "email": f"maria.{uuid.uuid4().hex[:8]}@example.com"},
    }
    if therapist:
        body["therapist"] = therapist
    response = service.client.post("/bookings", json=body)
    assert response.status_code == 202, response.text
    booking_id, token = response.json()["id"], response.json()["token"]
    with transaction(service.writer()) as session:  # as the booking worker does
        saga.place(SqlRepository(session), booking_id, service.wiring.rules)
    return booking_id, token


def staff(service: BookingService) -> dict[str, str]:
    return {"X-API-Key": service.staff_key}


def test_the_front_desk_sees_todays_therapists_rooms_and_kits_with_their_bookings(
    desk: BookingService, clock: FixedClock
) -> None:
    day = working_day(6)
    clock.instant = at(day, 7)
    kept, _ = book(desk, at(day, 10), therapist="anna-keller")
    dropped, token = book(desk, at(day, 13), BACK_NECK, therapist="clara-weiss")
    cancelled = desk.client.post(f"/bookings/{dropped}/cancel", headers={"X-Booking-Token": token})
    assert cancelled.status_code == 200, cancelled.text

    response = desk.client.get("/day", headers=staff(desk))

    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["date"], view["location"], view["timezone"]) == (day.isoformat(), "main", BERLIN.key)
    assert datetime.fromisoformat(view["opens"]) == at(day, 8)
    assert datetime.fromisoformat(view["closes"]) == at(day, 20)
    rows = {row["code"]: row for row in view["rows"]}
    assert [(row["kind"], row["code"]) for row in view["rows"]] == [
        ("therapist", "anna-keller"),
        ("therapist", "ben-okafor"),
        ("therapist", "clara-weiss"),
        ("therapist", "david-mora"),
        ("room", "room-1"),
        ("room", "room-2"),
        ("room", "room-3"),
        ("cupping_kit", "kit-a"),
        ("cupping_kit", "kit-b"),
    ]
    anna = rows["anna-keller"]
    assert (anna["name"], anna["available_minutes"], anna["booked_minutes"]) == ("Anna Keller", 8 * 60 - 30, 45)
    assert anna["utilisation"] == round(45 / 450, 4)
    [shown] = anna["bookings"]
    assert shown == {
        "id": kept,
        "status": "confirmed",
        "start": at(day, 10).isoformat(),
        "end": at(day, 10, 45).isoformat(),
        "treatment": "Medical Massage: Back & Leg + Cupping",
        "client_first_name": "Maria",
        "screening": None,
    }
    assert rows["clara-weiss"]["bookings"] == [] and rows["clara-weiss"]["booked_minutes"] == 0
    assert rows["room-1"]["available_minutes"] == 12 * 60
    assert [b["id"] for b in rows["room-1"]["bookings"]] == [kept]
    assert [b["id"] for b in rows["kit-a"]["bookings"]] == [kept]
    available = 450 + 480 + 480 + 480 + 5 * 720
    assert view["utilisation"] == round((45 + 45 + 45) / available, 4)


def test_the_front_desk_picks_a_day_and_the_location_by_name(desk: BookingService, clock: FixedClock) -> None:
    day = working_day(7)
    clock.instant = at(day, 7)
    book(desk, at(day, 11))

    other = desk.client.get(
        "/day", params={"date": (day + timedelta(days=1)).isoformat(), "location": "main"}, headers=staff(desk)
    )

    assert other.status_code == 200, other.text
    assert other.json()["date"] == (day + timedelta(days=1)).isoformat()
    assert all(row["bookings"] == [] for row in other.json()["rows"])
    same = desk.client.get("/day", params={"date": day.isoformat()}, headers=staff(desk)).json()
    assert sum(row["booked_minutes"] for row in same["rows"]) == 3 * 45


def test_a_closed_day_has_no_opening_hours(desk: BookingService) -> None:
    sunday = working_day(1) + timedelta(days=(6 - working_day(1).weekday()))

    view = desk.client.get("/day", params={"date": sunday.isoformat()}, headers=staff(desk)).json()

    assert (view["opens"], view["closes"], view["utilisation"]) == (None, None, 0.0)
    assert {row["kind"] for row in view["rows"]} == {"room", "cupping_kit"}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "not-the-key"}, {"X-Booking-Token": "whatever"}])
def test_only_staff_see_the_day(desk: BookingService, headers: dict[str, str]) -> None:
    response = desk.client.get("/day", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == NO_CREDENTIALS


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"location": "nowhere"}, "unknown location 'nowhere'"),
        ({"date": "tomorrow"}, "date:"),
        ({"date": "1999-12-31"}, "date:"),
    ],
)
def test_a_bad_day_question_is_refused_with_a_reason(
    desk: BookingService, params: dict[str, str], expected: str
) -> None:
    response = desk.client.get("/day", params=params, headers=staff(desk))
    assert response.status_code == 422
    assert expected in response.json()["detail"]


def test_the_day_names_no_client_beyond_a_first_name(desk: BookingService, clock: FixedClock) -> None:
    day: date = working_day(8)
    clock.instant = at(day, 7)
    book(desk, at(day, 9))

    text = desk.client.get("/day", headers=staff(desk)).text

    assert "Maria" in text and "Schmidt" not in text and "@example.com" not in text
