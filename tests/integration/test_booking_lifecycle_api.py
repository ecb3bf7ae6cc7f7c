"""A booking's life through the booking API: cancelled, rescheduled, closed by staff, seen on a day's schedule.

No workers run here: a test books over HTTP, then runs the two saga steps itself, in their own transactions,
as the booking workers would, and goes on over HTTP with the token it was given (or the staff key).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import select, update

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.calendar import Claims
from services.booking.service_layer import saga
from shared.db import transaction
from shared.staff import NO_CREDENTIALS
from tests.integration.conftest import BookingService
from tests.support.clock import at, next_weekday, now, today, working_day

CUPPING = "back-leg-cupping"
BACK_NECK = "back-neck"


# Beyond the days the `day` fixture hands out (the 2nd to the 25th working day, at most 35 days ahead), and
# inside the 60 days one may book.
AVAILABILITY_MONDAY = next_weekday(0, at_least_days_ahead=42)


@dataclass(frozen=True)
class Visit:
    id: str
    token: str


@dataclass
class Clinic:
    service: BookingService

    @property
    def staff(self) -> dict[str, str]:
        return {"X-API-Key": self.service.staff_key}

    def ask(self, start: datetime, treatment: str = CUPPING, therapist: str | None = None) -> Visit:
        """A client asks for a slot over HTTP; the booking stays pending until the saga runs."""
        body: dict[str, Any] = {
            "treatment": treatment,
            "start": start.isoformat(),
            "client": {"name": "Maria Schmidt", "email": f"maria.{uuid.uuid4().hex[:8]}@example.com"},
        }
        if therapist is not None:
            body["therapist"] = therapist
        response = self.service.client.post("/bookings", json=body)
        assert response.status_code == 202, response.text
        return Visit(id=response.json()["id"], token=response.json()["token"])

    def run_saga(self, visit: Visit) -> None:
        """Reserve room and kit, then assign a therapist: each step in its own transaction, as workers do."""
        with transaction(self.service.writer()) as session:  # as the booking worker does
            saga.place(SqlRepository(session), visit.id, self.service.wiring.rules)

    def book(self, start: datetime, treatment: str = CUPPING, therapist: str | None = None) -> Visit:
        visit = self.ask(start, treatment, therapist)
        self.run_saga(visit)
        assert self.read(visit)["status"] == "confirmed"
        return visit

    def read(self, visit: Visit) -> dict[str, Any]:
        response = self.service.client.get(f"/bookings/{visit.id}", headers={"X-Booking-Token": visit.token})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def cancel(self, visit: Visit, headers: dict[str, str] | None = None) -> Response:
        headers = {"X-Booking-Token": visit.token} if headers is None else headers
        return self.service.client.post(f"/bookings/{visit.id}/cancel", headers=headers)

    def reschedule(self, visit: Visit, start: datetime | str) -> Response:
        return self.service.client.post(
            f"/bookings/{visit.id}/reschedule",
            json={"start": start if isinstance(start, str) else start.isoformat()},
            headers={"X-Booking-Token": visit.token},
        )

    def close(self, visit: Visit, outcome: str, headers: dict[str, str] | None = None) -> Response:
        return self.service.client.post(f"/bookings/{visit.id}/{outcome}", headers=headers or {})

    def claims(self, visit: Visit) -> Claims:
        with transaction(self.service.writer()) as session:
            return SqlRepository(session).claims_of(visit.id)

    def events(self, visit: Visit, event_type: str) -> list[dict[str, Any]]:
        with self.service.db.connect() as conn:
            envelopes = conn.execute(
                select(orm.outbox.outbox.c.envelope).where(orm.outbox.outbox.c.type == event_type)
            ).scalars()
            payloads = [json.loads(envelope)["payload"] for envelope in envelopes]
        return [payload for payload in payloads if payload["booking_id"] == visit.id]

    def availability(self, treatment: str, day: date, **params: Any) -> Response:
        return self.service.client.get(
            "/availability", params={"treatment": treatment, "date": day.isoformat(), **params}
        )

    def slots(self, treatment: str, day: date, **params: Any) -> list[datetime]:
        response = self.availability(treatment, day, **params)
        assert response.status_code == 200, response.text
        return [datetime.fromisoformat(slot) for slot in response.json()["slots"]]


@pytest.fixture(scope="module")
def clinic(booking_service: BookingService) -> Clinic:
    return Clinic(booking_service)


@pytest.fixture(scope="module")
def unused_days() -> Iterator[date]:
    return (working_day(n) for n in range(2, 26))


@pytest.fixture
def day(unused_days: Iterator[date]) -> date:
    """A working day, the second or later, on which no other test of this module books anything."""
    return next(unused_days)


def test_the_chosen_days_suit_the_seed_therapists() -> None:
    assert AVAILABILITY_MONDAY.weekday() == 0
    assert 42 <= (AVAILABILITY_MONDAY - today()).days <= 48
    assert (working_day(25) - today()).days < 42


# ---- the client cancels -------------------------------------------------------------------------


def test_a_client_cancelling_days_ahead_pays_nothing_and_frees_room_kit_and_therapist(
    clinic: Clinic, day: date
) -> None:
    visit = clinic.book(at(day, 13))
    assert clinic.claims(visit)

    response = clinic.cancel(visit)

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["id"] == visit.id
    assert cancelled["status"] == "cancelled"
    assert cancelled["late_cancellation"] is False
    assert cancelled["reason"] == "cancelled by the client"
    assert clinic.read(visit)["status"] == "cancelled"
    assert clinic.claims(visit) == set()
    [event] = clinic.events(visit, "booking.cancelled")
    assert event["by_clinic"] is False and event["late"] is False


def test_a_wrong_token_cancels_nothing(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))
    someone_else = clinic.book(at(day, 14))

    for headers in ({"X-Booking-Token": someone_else.token}, {"X-Booking-Token": visit.token[:-2]}):
        response = clinic.cancel(visit, headers=headers)
        assert response.status_code == 404
        assert response.json()["detail"] == "no booking with this id and token"

    assert clinic.read(visit)["status"] == "confirmed"
    assert clinic.read(someone_else)["status"] == "confirmed"
    assert clinic.claims(visit)
    assert clinic.events(visit, "booking.cancelled") == []


def test_a_wrong_staff_key_is_no_key_at_all(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))
    response = clinic.cancel(visit, headers={"X-API-Key": clinic.service.staff_key + "x"})
    assert response.status_code == 404
    assert "needs its token" in response.json()["detail"]
    assert clinic.read(visit)["status"] == "confirmed"


def test_cancelling_twice_is_refused_with_a_reason(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))
    assert clinic.cancel(visit).status_code == 200

    again = clinic.cancel(visit)

    assert again.status_code == 409
    assert again.json()["detail"] == "a cancelled booking cannot become cancelled"
    assert len(clinic.events(visit, "booking.cancelled")) == 1


def test_the_clinic_cancels_with_the_staff_key(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))

    response = clinic.cancel(visit, headers=clinic.staff)

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["reason"] == "cancelled by the clinic"
    assert cancelled["late_cancellation"] is False  # the client owes nothing when the clinic cancels
    assert clinic.claims(visit) == set()
    [event] = clinic.events(visit, "booking.cancelled")
    assert event["by_clinic"] is True


def test_the_clinic_says_why_it_cancels(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))

    response = clinic.service.client.post(
        f"/bookings/{visit.id}/cancel", json={"reason": "  Anna is ill today  "}, headers=clinic.staff
    )

    assert response.status_code == 200, response.text
    assert response.json()["reason"] == "Anna is ill today"
    assert response.json()["late_cancellation"] is False
    assert clinic.read(visit)["reason"] == "Anna is ill today"
    [event] = clinic.events(visit, "booking.cancelled")
    assert event["by_clinic"] is True


def test_the_clinics_reason_travels_with_the_cancellation_event(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))
    clinic.service.client.post(f"/bookings/{visit.id}/cancel", json={"reason": "flooded"}, headers=clinic.staff)
    [event] = clinic.events(visit, "booking.cancelled")
    assert event["reason"] == "flooded"
    # Without one, the client's email says no reason rather than a placeholder.
    other = clinic.book(at(day, 15))
    clinic.service.client.post(f"/bookings/{other.id}/cancel", headers=clinic.staff)
    [event] = clinic.events(other, "booking.cancelled")
    assert event["reason"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"reason": "one\ntwo"}, "reason: String should match pattern"),
        ({"reason": "   "}, "reason: String should have at least 1 character"),
        ({"why": "no"}, "why: Extra inputs are not permitted"),
    ],
)
def test_a_reason_that_is_no_reason_is_refused(clinic: Clinic, day: date, body: dict[str, str], expected: str) -> None:
    visit = clinic.book(at(day, 13))

    response = clinic.service.client.post(f"/bookings/{visit.id}/cancel", json=body, headers=clinic.staff)

    assert response.status_code == 422
    assert expected in response.json()["detail"]
    assert clinic.read(visit)["status"] == "confirmed"


def test_a_client_cancels_without_a_reason(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13))
    headers = {"X-Booking-Token": visit.token}

    refused = clinic.service.client.post(f"/bookings/{visit.id}/cancel", json={"reason": "busy"}, headers=headers)

    assert refused.status_code == 422
    assert refused.json()["detail"] == "only staff give a reason when cancelling; send no body to cancel"
    assert clinic.read(visit)["status"] == "confirmed"
    cancelled = clinic.service.client.post(f"/bookings/{visit.id}/cancel", json={}, headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["reason"] == "cancelled by the client"


# ---- the client moves the visit -----------------------------------------------------------------


def test_a_client_moves_the_visit_to_a_free_slot(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 10))
    before = clinic.read(visit)

    response = clinic.reschedule(visit, at(day, 14, 30))

    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["status"] == "confirmed"
    assert datetime.fromisoformat(moved["start"]) == at(day, 14, 30)
    assert datetime.fromisoformat(moved["end"]) == at(day, 15, 15)
    assert moved["version"] == before["version"] + 1
    assert clinic.read(visit)["start"] == moved["start"]
    [event] = clinic.events(visit, "booking.rescheduled")
    assert datetime.fromisoformat(event["previous_start"]) == at(day, 10)


def test_a_move_to_a_full_slot_is_refused_and_the_visit_keeps_its_time(clinic: Clinic, day: date) -> None:
    mine = clinic.book(at(day, 10))
    before = clinic.read(mine)
    for _ in range(2):  # both cupping kits and both cupping therapists at 14:00
        clinic.book(at(day, 14))

    response = clinic.reschedule(mine, at(day, 14))

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "your booking keeps its time" in detail
    assert "is free" in detail
    after = clinic.read(mine)
    assert datetime.fromisoformat(after["start"]) == at(day, 10)
    assert after == before
    assert clinic.events(mine, "booking.rescheduled") == []


def test_a_pending_booking_cannot_be_moved_and_holds_nothing_afterwards(clinic: Clinic, day: date) -> None:
    visit = clinic.ask(at(day, 11))

    response = clinic.reschedule(visit, at(day, 15))

    assert response.status_code == 409
    assert response.json()["detail"] == "only a confirmed booking can be rescheduled, this one is pending"
    still = clinic.read(visit)
    assert still["status"] == "pending"
    assert datetime.fromisoformat(still["start"]) == at(day, 11)
    assert clinic.claims(visit) == set()  # whatever was held on the way was rolled back


def test_a_move_off_the_quarter_hour_grid_is_refused(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 10))

    response = clinic.reschedule(visit, at(day, 15, 7))

    assert response.status_code == 422
    assert "start must be on the 15-minute grid in Europe/Berlin" in response.json()["detail"]
    assert datetime.fromisoformat(clinic.read(visit)["start"]) == at(day, 10)


def test_a_move_without_an_offset_is_refused(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 10))

    response = clinic.reschedule(visit, at(day, 15).replace(tzinfo=None).isoformat())

    assert response.status_code == 422
    assert "start:" in response.json()["detail"]
    assert datetime.fromisoformat(clinic.read(visit)["start"]) == at(day, 10)


# ---- staff close the visit ----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["completed", "no-show"])
def test_only_staff_record_how_a_visit_went(clinic: Clinic, day: date, outcome: str) -> None:
    visit = clinic.book(at(day, 9))

    for headers in ({}, {"X-Booking-Token": visit.token}, {"X-API-Key": "not-the-key"}):
        response = clinic.close(visit, outcome, headers)
        assert response.status_code == 401
        assert response.json()["detail"] == NO_CREDENTIALS
    assert clinic.read(visit)["status"] == "confirmed"


@pytest.mark.parametrize("outcome", ["completed", "no-show"])
def test_a_visit_that_has_not_started_cannot_be_closed(clinic: Clinic, day: date, outcome: str) -> None:
    visit = clinic.book(at(day, 9))

    response = clinic.close(visit, outcome, clinic.staff)

    assert response.status_code == 409
    assert "only once it has started" in response.json()["detail"]
    assert clinic.read(visit)["status"] == "confirmed"
    assert clinic.events(visit, "booking.closed") == []


def test_staff_record_a_visit_that_took_place_and_cannot_then_call_it_a_no_show(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 9))
    # The clock moves on: the visit began an hour ago.
    began = now().replace(microsecond=0) - timedelta(hours=1)
    with transaction(clinic.service.writer()) as session:
        session.execute(
            update(orm.booking)
            .where(orm.booking.c.id == visit.id)
            .values(start_at=began, end_at=began + timedelta(minutes=45))
        )

    response = clinic.close(visit, "completed", clinic.staff)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    [event] = clinic.events(visit, "booking.closed")
    assert event["outcome"] == "completed"
    again = clinic.close(visit, "no-show", clinic.staff)
    assert again.status_code == 409
    assert again.json()["detail"] == "a completed booking cannot become no_show"


def test_an_unknown_outcome_is_refused_not_a_server_error(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 9))

    response = clinic.close(visit, "finished", clinic.staff)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "outcome: Input should be 'completed' or 'no-show'" in detail
    assert clinic.read(visit)["status"] == "confirmed"


# ---- a day's schedule (staff) -------------------------------------------------------------------


def test_staff_see_the_booking_on_the_therapists_and_the_rooms_day(clinic: Clinic, day: date) -> None:
    visit = clinic.book(at(day, 13), therapist="anna-keller")
    booked = clinic.read(visit)
    assert booked["therapist"] == "anna-keller"

    def schedule(kind: str, code: str, on: date, headers: dict[str, str]) -> Response:
        return clinic.service.client.get(f"/schedule/{kind}/{code}", params={"date": on.isoformat()}, headers=headers)

    assert schedule("therapist", "anna-keller", day, {}).status_code == 401
    assert schedule("therapist", "anna-keller", day, {"X-Booking-Token": visit.token}).status_code == 401

    response = schedule("therapist", "anna-keller", day, clinic.staff)
    assert response.status_code == 200, response.text
    annas_day = response.json()
    assert (annas_day["kind"], annas_day["code"], annas_day["date"]) == ("therapist", "anna-keller", day.isoformat())
    [listed] = annas_day["bookings"]
    assert listed == booked

    room_day = schedule("room", booked["room"], day, clinic.staff).json()
    assert [b["id"] for b in room_day["bookings"]] == [visit.id]
    assert schedule("therapist", "ben-okafor", day, clinic.staff).json()["bookings"] == []
    next_day = schedule("therapist", "anna-keller", day + timedelta(days=1), clinic.staff).json()
    assert visit.id not in [b["id"] for b in next_day["bookings"]]


# ---- availability -------------------------------------------------------------------------------


def test_availability_over_three_days_lists_each_days_slots(clinic: Clinic) -> None:
    response = clinic.availability(CUPPING, AVAILABILITY_MONDAY, days=3)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["days"] == 3 and body["date"] == AVAILABILITY_MONDAY.isoformat()
    starts = [datetime.fromisoformat(slot) for slot in body["slots"]]
    assert starts == sorted(starts)
    monday, tuesday, wednesday = (AVAILABILITY_MONDAY + timedelta(days=n) for n in range(3))
    assert {start.date() for start in starts} == {monday, tuesday, wednesday}
    for each in (monday, tuesday, wednesday):
        that_day = [start for start in starts if start.date() == each]
        # Anna starts at 08:00; Ben's last cupping session must end by 20:00.
        assert (that_day[0], that_day[-1]) == (at(each, 8), at(each, 19, 15))
        assert that_day == clinic.slots(CUPPING, each)


def test_availability_for_more_than_two_weeks_is_refused(clinic: Clinic) -> None:
    response = clinic.availability(CUPPING, AVAILABILITY_MONDAY, days=15)
    assert response.status_code == 422
    assert "days: Input should be less than or equal to 14" in response.json()["detail"]
    assert clinic.availability(CUPPING, AVAILABILITY_MONDAY, days=14).status_code == 200


def test_availability_for_one_therapist_follows_her_hours_and_her_bookings(clinic: Clinic, day: date) -> None:
    assert clinic.slots(BACK_NECK, day, therapist="clara-weiss")[0] == at(day, 9)
    assert clinic.slots(BACK_NECK, day, therapist="clara-weiss")[-1] == at(day, 16, 30)
    clinic.book(at(day, 10), treatment=BACK_NECK, therapist="clara-weiss")

    claras = clinic.slots(BACK_NECK, day, therapist="clara-weiss")
    anyone = clinic.slots(BACK_NECK, day)

    assert at(day, 10) not in claras and at(day, 9, 30) not in claras  # 09:30 would run into her 10:00
    assert at(day, 9) in claras and at(day, 10, 45) in claras  # free again after 30 min + 5 min
    assert at(day, 10) in anyone  # Anna can still take a client at 10:00
    assert set(claras) < set(anyone)
    annas_cupping = clinic.slots(CUPPING, day, therapist="anna-keller")
    assert (annas_cupping[0], annas_cupping[-1]) == (at(day, 8), at(day, 15, 15))


def test_availability_at_the_main_location_is_the_whole_clinics(clinic: Clinic) -> None:
    everywhere = clinic.slots(CUPPING, AVAILABILITY_MONDAY)
    assert everywhere
    assert clinic.slots(CUPPING, AVAILABILITY_MONDAY, location="main") == everywhere


def test_availability_at_an_unknown_location_names_the_known_ones(clinic: Clinic) -> None:
    response = clinic.availability(CUPPING, AVAILABILITY_MONDAY, location="harbour")
    assert response.status_code == 422
    assert response.json()["detail"] == "unknown location 'harbour'; known: main"
