"""The booking API on a real SQLite file and a real Redis: asking for a slot, reading it back, availability.

No workers run here, so every accepted booking stays `pending`; the saga is the e2e suite's business.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.calendar import claim_cells
from services.booking.domain.catalog import TreatmentSpec
from services.catalog.domain import seed
from shared.db import SessionFactory, make_session_factory, transaction
from tests.integration.conftest import BookingService
from tests.support.clock import at, next_weekday, now, today, working_day
from tests.support.servers import Server, wait_until

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2}$")
TUESDAY, WEDNESDAY = 1, 2

# Anna (08-16) and Ben (12-20) both do cupping on weekdays; 13:00 is inside both shifts.
BOOKING_DAY = min(next_weekday(TUESDAY, 2), next_weekday(WEDNESDAY, 2))  # the next Tue or Wed, 2+ days ahead
# A working day within a week, on which no test books over HTTP.
AVAILABILITY_DAY = next(day for day in (working_day(2), working_day(3)) if day != BOOKING_DAY)


SLOT = at(BOOKING_DAY, 13)


@dataclass
class BookingApi:
    client: TestClient
    db: Engine  # the test's own connection to the service's database
    broker: Server
    accepted: list[str] = field(default_factory=list)  # every booking id the API accepted in this module

    def ask(self, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> Response:
        if isinstance(body, str):
            response = self.client.post(
                "/bookings", content=body, headers={"Content-Type": "application/json", **(headers or {})}
            )
        else:
            response = self.client.post("/bookings", json=body, headers=headers)
        if response.status_code == 202:
            self.accepted.append(response.json()["id"])
        return response

    def book(self, start: datetime = SLOT, treatment: str = "back-leg-cupping") -> dict[str, Any]:
        response = self.ask(request(start=start, treatment=treatment))
        assert response.status_code == 202, response.text
        return dict(response.json())

    def read(self, booking_id: str, token: str | None) -> Response:
        headers = {"X-Booking-Token": token} if token is not None else {}
        return self.client.get(f"/bookings/{booking_id}", headers=headers)

    def booking_ids(self) -> set[str]:
        with self.db.connect() as conn:
            return set(conn.execute(select(orm.booking.c.id)).scalars())

    def booking_count(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(orm.booking)).scalar_one())

    def row(self, booking_id: str) -> Any:
        with self.db.connect() as conn:
            return conn.execute(select(orm.booking).where(orm.booking.c.id == booking_id)).one()

    def writer(self) -> SessionFactory:
        return make_session_factory(self.db)


def request(start: datetime = SLOT, treatment: str = "back-leg-cupping", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "treatment": treatment,
        "start": start.isoformat(),
        "client": {
            "name": "Maria Schmidt",
            "email": f"maria.{uuid.uuid4().hex[:8]}@example.com",
            "phone": "+49 30 1234567",
        },
    }
    body.update(changes)
    return body


@pytest.fixture(scope="module")
def api(booking_service: BookingService) -> BookingApi:
    return BookingApi(client=booking_service.client, db=booking_service.db, broker=booking_service.broker)


def test_the_chosen_days_suit_the_seed_therapists() -> None:
    assert SLOT.weekday() in (1, 2)
    assert 2 <= (BOOKING_DAY - today()).days <= 8
    assert AVAILABILITY_DAY - today() <= timedelta(days=7)
    assert AVAILABILITY_DAY.weekday() < 5 and AVAILABILITY_DAY != BOOKING_DAY


# ---- asking for a slot --------------------------------------------------------------------------


def test_a_client_asking_for_a_cupping_session_gets_a_pending_booking_and_a_token(api: BookingApi) -> None:
    correlation = f"test-{uuid.uuid4()}"
    response = api.ask(request(), headers={"X-Correlation-ID": correlation})

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert uuid.UUID(accepted["id"])
    assert accepted["status"] == "pending"
    assert len(accepted["token"]) >= 32
    assert accepted["links"] == {"self": f"/bookings/{accepted['id']}"}
    assert response.headers["X-Correlation-ID"] == correlation

    row = api.row(accepted["id"])
    assert row.status == "pending"
    assert row.treatment == "back-leg-cupping"
    assert row.start_at == SLOT and row.start_at.tzinfo is UTC  # stored in UTC, read back aware
    assert row.end_at - row.start_at == timedelta(minutes=45)
    assert row.correlation_id == correlation
    # Only a hash of the token is kept: a leaked database does not open anyone's booking.
    assert row.token_hash == hashlib.sha256(accepted["token"].encode()).hexdigest()
    assert accepted["token"] not in json.dumps([str(value) for value in row])


def test_each_booking_gets_its_own_id_and_token(api: BookingApi) -> None:
    first, second = api.book(), api.book()
    assert first["id"] != second["id"]
    assert first["token"] != second["token"]


def test_an_accepted_booking_is_announced_to_the_booking_workers_through_redis(api: BookingApi) -> None:
    booking = api.book()
    with api.db.connect() as conn:
        rows = conn.execute(select(orm.outbox.outbox).where(orm.outbox.outbox.c.type == "booking.requested")).all()
    [event] = [r for r in rows if json.loads(r.envelope)["payload"]["booking_id"] == booking["id"]]

    def relayed() -> bool:
        with api.db.connect() as conn:
            sent = conn.execute(
                select(orm.outbox.outbox.c.published_at).where(orm.outbox.outbox.c.event_id == event.event_id)
            ).scalar_one()
        return sent is not None

    wait_until(relayed, timeout=10, message="the booking.requested event was never relayed")
    if api.broker.origin == "environment":
        return  # a shared Redis may have a live worker that already took the message
    queue = redis.Redis.from_url(api.broker.url)
    try:
        waiting = queue.lrange("booking", 0, -1)
    finally:
        queue.close()
    assert any(event.event_id.encode() in message for message in waiting)


# ---- reading it back ----------------------------------------------------------------------------


def test_the_client_reads_the_booking_with_its_token(api: BookingApi) -> None:
    booking = api.book()
    response = api.read(booking["id"], booking["token"])
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["id"] == booking["id"]
    assert shown["status"] == "pending"
    assert shown["treatment"] == "back-leg-cupping"
    start = datetime.fromisoformat(shown["start"])
    assert start == SLOT
    assert start.utcoffset() == SLOT.utcoffset()  # told in the clinic's time, not UTC
    assert datetime.fromisoformat(shown["end"]) - start == timedelta(minutes=45)
    assert shown["therapist"] is None and shown["room"] is None and shown["cupping_kit"] is None


def test_the_token_is_not_taken_from_the_address(api: BookingApi) -> None:
    """A token in the URL would end up in access logs and browser histories: only the header counts."""
    booking = api.book()
    response = api.client.get(f"/bookings/{booking['id']}", params={"token": booking["token"]})
    assert response.status_code == 404
    assert "X-Booking-Token" in response.json()["detail"]


def test_a_wrong_token_finds_nothing(api: BookingApi) -> None:
    booking = api.book()
    response = api.read(booking["id"], booking["token"][:-1] + ("A" if booking["token"][-1] != "A" else "B"))
    assert response.status_code == 404
    assert response.json()["detail"] == "no booking with this id and token"
    assert "Maria" not in response.text


def test_another_bookings_token_finds_nothing(api: BookingApi) -> None:
    mine, theirs = api.book(), api.book()
    response = api.read(theirs["id"], mine["token"])
    assert response.status_code == 404
    assert response.json()["detail"] == "no booking with this id and token"


def test_a_missing_token_finds_nothing_and_says_a_token_is_needed(api: BookingApi) -> None:
    booking = api.book()
    response = api.read(booking["id"], None)
    assert response.status_code == 404
    assert "needs its token" in response.json()["detail"]
    assert api.read(booking["id"], "").status_code == 404


def test_an_unknown_booking_id_finds_nothing(api: BookingApi) -> None:
    booking = api.book()
    response = api.read(str(uuid.uuid4()), booking["token"])
    assert response.status_code == 404
    assert response.json()["detail"] == "no booking with this id and token"


# ---- requests the clinic refuses ----------------------------------------------------------------


def _without(key: str) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        body = request()
        del body[key]
        return body

    return make


def _client(**changes: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        body = request()
        body["client"].update(changes)
        return body

    return make


def _soon() -> datetime:
    """A grid time less than the two hours' notice away (Berlin's quarter hours are UTC's)."""
    soon = now().replace(second=0, microsecond=0) + timedelta(minutes=45)
    return soon + timedelta(minutes=(15 - soon.minute % 15) % 15)


BAD_REQUESTS: dict[str, tuple[Callable[[], dict[str, Any] | str], list[str]]] = {
    "unknown-treatment": (
        lambda: request(treatment="hot-stone"),
        ["unknown treatment 'hot-stone'", "known treatments: back-leg-cupping, back-neck"],
    ),
    "start-in-the-past": (lambda: request(start=at(today() - timedelta(days=1), 13)), ["start is in the past"]),
    "start-off-the-grid": (
        lambda: request(start=at(BOOKING_DAY, 10, 7)),
        ["start must be on the 15-minute grid in Europe/Berlin"],
    ),
    "start-without-offset": (
        lambda: {**request(), "start": SLOT.replace(tzinfo=None).isoformat()},
        ["start:", "timezone"],
    ),
    "start-not-a-time": (lambda: {**request(), "start": "next tuesday"}, ["start:"]),
    "start-too-soon": (lambda: request(start=_soon()), ["start must be at least 120 minutes from now"]),
    "start-too-far-ahead": (
        lambda: request(start=at(BOOKING_DAY + timedelta(days=70), 13)),
        ["start must be within 60 days from now"],
    ),
    "malformed-email": (_client(email="maria-at-example.com"), ["client.email:", "not a valid email address"]),
    "missing-client": (_without("client"), ["client: Field required"]),
    "missing-treatment": (_without("treatment"), ["treatment: Field required"]),
    "missing-start": (_without("start"), ["start: Field required"]),
    "empty-name": (_client(name=""), ["client.name:"]),
    "name-with-a-newline": (_client(name="Maria\nBcc: everyone@example.com"), ["client.name:", "pattern"]),
    "phone-with-letters": (_client(phone="call me maybe"), ["client.phone:"]),
    "extra-unknown-field": (
        lambda: {**request(), "discount_code": "FREE"},
        ["discount_code: Extra inputs are not permitted"],
    ),
    "extra-unknown-client-field": (_client(vip=True), ["client.vip: Extra inputs are not permitted"]),
    "not-json": (lambda: '{"treatment": "back-leg-cupping", ', ["JSON"]),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_a_bad_request_is_refused_with_a_reason_that_names_the_problem(api: BookingApi, case: str) -> None:
    make, expected = BAD_REQUESTS[case]
    before = api.booking_count()
    response = api.ask(make())
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    for fragment in expected:
        assert fragment in detail, f"{fragment!r} not in {detail!r}"
    assert api.booking_count() == before


@pytest.mark.parametrize("case", ["start-off-the-grid", "start-too-soon", "start-in-the-past"])
def test_a_refused_start_is_named_as_the_field_at_fault(api: BookingApi, case: str) -> None:
    make, _expected = BAD_REQUESTS[case]
    body = api.ask(make()).json()
    assert body["errors"] == [{"field": "start", "problem": body["detail"]}]


def test_a_refusal_does_not_echo_the_clients_personal_data(api: BookingApi) -> None:
    response = api.ask(_client(email="maria.private-at-example.com", name="Maria\nPrivate")())
    assert response.status_code == 422
    assert "maria.private" not in response.text and "Private" not in response.text


def test_refused_requests_leave_no_half_written_booking(api: BookingApi) -> None:
    kept = api.book()
    for make, _expected in BAD_REQUESTS.values():
        assert api.ask(make()).status_code == 422
    assert kept["id"] in api.booking_ids()
    assert api.booking_ids() == set(api.accepted)
    assert api.booking_count() == len(api.accepted)
    with api.db.connect() as conn:
        announced = [
            json.loads(envelope)["payload"]["booking_id"]
            for envelope in conn.execute(
                select(orm.outbox.outbox.c.envelope).where(orm.outbox.outbox.c.type == "booking.requested")
            ).scalars()
        ]
    assert sorted(announced) == sorted(api.accepted)


# ---- availability -------------------------------------------------------------------------------


def availability(api: BookingApi, treatment: str = "back-leg-cupping", day: date = AVAILABILITY_DAY) -> Response:
    return api.client.get("/availability", params={"treatment": treatment, "date": day.isoformat()})


def slots(api: BookingApi, treatment: str = "back-leg-cupping") -> list[datetime]:
    response = availability(api, treatment)
    assert response.status_code == 200, response.text
    return [datetime.fromisoformat(slot) for slot in response.json()["slots"]]


def test_availability_lists_iso_slots_in_the_clinics_time(api: BookingApi) -> None:
    response = availability(api)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["treatment"] == "back-leg-cupping"
    assert body["date"] == AVAILABILITY_DAY.isoformat()
    assert body["timezone"] == "Europe/Berlin"
    assert body["slots"], "a weekday with the whole team on shift has free slots"
    offset = at(AVAILABILITY_DAY, 12).utcoffset()
    for slot in body["slots"]:
        assert ISO_WITH_OFFSET.match(slot), slot
        assert datetime.fromisoformat(slot).utcoffset() == offset
    starts = [datetime.fromisoformat(slot) for slot in body["slots"]]
    assert starts == sorted(starts)
    # Anna starts at 08:00, Ben's last cupping session must end by 20:00.
    assert starts[0] == at(AVAILABILITY_DAY, 8) and starts[-1] == at(AVAILABILITY_DAY, 19, 15)


def test_back_neck_is_offered_within_the_medical_massage_therapists_hours(api: BookingApi) -> None:
    starts = slots(api, "back-neck")
    assert starts[0] == at(AVAILABILITY_DAY, 8)
    assert starts[-1] == at(AVAILABILITY_DAY, 19, 30)  # 30 minutes with Ben, ending at 20:00


def test_a_time_when_every_cupping_kit_is_held_is_not_offered(api: BookingApi) -> None:
    ten = at(AVAILABILITY_DAY, 10)
    assert ten in slots(api)
    booking = api.book(start=ten)
    kit_cells = claim_cells(_treatment("back-leg-cupping"), "cupping_kit", ten)
    with transaction(api.writer()) as session:
        for kit in ("kit-a", "kit-b"):
            assert SqlRepository(session).try_claim(booking["id"], "cupping_kit", kit, kit_cells)

    starts = slots(api)
    # Each kit is busy 10:00-10:45 and sterilised until 11:15: no cupping session can start 09:00-11:00.
    held = {at(AVAILABILITY_DAY, 9) + timedelta(minutes=15 * i) for i in range(9)}
    assert not held & set(starts)
    assert at(AVAILABILITY_DAY, 8, 45) in starts and at(AVAILABILITY_DAY, 11, 15) in starts
    assert ten in slots(api, "back-neck")  # needs no kit, so it can still be booked


def test_availability_for_an_unknown_treatment_lists_the_known_ones(api: BookingApi) -> None:
    response = availability(api, "hot-stone")
    assert response.status_code == 422
    assert response.json()["detail"] == "unknown treatment 'hot-stone'; known treatments: back-leg-cupping, back-neck"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"treatment": "back-leg-cupping", "date": "2026-13-01"}, "date"),
        ({"date": AVAILABILITY_DAY.isoformat()}, "treatment"),
    ],
    ids=["impossible-date", "no-treatment"],
)
def test_an_availability_question_without_what_or_a_real_day_is_refused(  # no date at all: today, see front desk
    api: BookingApi, params: dict[str, str], fragment: str
) -> None:
    response = api.client.get("/availability", params=params)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_a_day_in_the_past_has_no_slots(api: BookingApi) -> None:
    response = availability(api, day=today() - timedelta(days=7))
    assert response.status_code == 200
    assert response.json()["slots"] == []


# ---- the API's description ----------------------------------------------------------------------


def test_the_openapi_description_lists_every_endpoint(api: BookingApi) -> None:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/bookings", "/bookings/{booking_id}", "/availability", "/health"} <= set(paths)
    assert "post" in paths["/bookings"] and "get" in paths["/bookings/{booking_id}"]


def test_health_answers(api: BookingApi) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def _treatment(slug: str) -> TreatmentSpec:
    spec = next(t for t in seed.TREATMENTS if t.slug == slug)
    return TreatmentSpec(
        slug=spec.slug,
        name=spec.name,
        duration_minutes=spec.duration_minutes,
        required_resources=dict(spec.required_resources),
        required_skills=list(spec.required_skills),
        buffer_minutes=dict(spec.buffer_minutes),
    )


def test_a_retried_request_with_the_same_idempotency_key_makes_one_booking(api: BookingApi) -> None:
    body = request(start=SLOT)
    key = {"Idempotency-Key": f"attempt-{uuid.uuid4()}"}
    first, again = api.ask(body, key), api.ask(body, key)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    # Every answer's token works: twins racing each other each got one.
    assert api.read(first.json()["id"], again.json()["token"]).status_code == 200
    assert api.read(first.json()["id"], first.json()["token"]).status_code == 200
    other = api.ask(request(start=SLOT, treatment="back-neck"), key)
    assert other.status_code == 422 and "different booking request" in other.json()["detail"]


def test_concurrent_twins_with_one_idempotency_key_make_one_booking(api: BookingApi) -> None:
    body = request(start=SLOT)
    key = {"Idempotency-Key": f"attempt-{uuid.uuid4()}"}
    before = api.booking_count()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: api.ask(body, key), range(6)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert api.booking_count() == before + 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_at_the_end_of_time_is_a_clear_422(api: BookingApi, day: str) -> None:
    response = api.client.get("/availability", params={"treatment": "back-leg-cupping", "date": day})
    assert response.status_code == 422 and "date" in response.json()["detail"]
    far = api.ask(request(start=datetime(9999, 12, 31, 23, 45, tzinfo=UTC)))
    assert far.status_code == 422 and "within 60 days" in far.json()["detail"]


def test_a_correlation_id_is_taken_only_when_it_is_a_plain_token(api: BookingApi) -> None:
    plain = api.ask(request(start=SLOT), {"X-Correlation-ID": "web-4711.a:b"})
    assert plain.headers["X-Correlation-ID"] == "web-4711.a:b"
    odd = api.ask(request(start=SLOT), {"X-Correlation-ID": "x" * 65})
    assert odd.headers["X-Correlation-ID"] != "x" * 65 and len(odd.headers["X-Correlation-ID"]) == 36
