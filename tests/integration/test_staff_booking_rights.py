"""Staff rights on the booking API, on a real SQLite file and Redis: bearer tokens checked locally (no
catalog), front desk at its locations, therapists their own visits, the machine key everything; and the
audit trail written with each staff change and each read of answers, never holding the answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.service_layer import catalog_copy, saga
from shared.clock import system_clock
from shared.db import transaction
from shared.events import AnswerOption, Envelope, Question, QuestionnairePublished
from shared.settings import DEVELOPMENT_TOKEN_SECRET
from shared.staff import Staff, issue_token
from tests.integration.conftest import BookingService, running_booking_service
from tests.support.apps import bearer, staff_token
from tests.support.clock import at, next_weekday

CUPPING = "back-leg-cupping"
DAY = next_weekday(3, 3)  # a Thursday 3+ days ahead
SECRET_NOTE = "warfarin-5mg-daily"  # a text answer: never in the audit trail
CLIENT = "Greta Audit-Probe"
QUESTIONNAIRE = QuestionnairePublished(
    treatment=CUPPING,
    revision=3,
    questions=[
        Question(
            code="blood_thinners", kind="yes_no", text={"en": "Blood thinners?", "de": "Blutverdünner?"},
            options=[
                AnswerOption(value="yes", label={"en": "Yes", "de": "Ja"}, outcome="review",
                             advice={"en": "A therapist looks first.", "de": "Erst schaut jemand."}),
                AnswerOption(value="no", label={"en": "No", "de": "Nein"}),
            ],
        ),
        Question(code="notes", kind="text", text={"en": "Anything else?", "de": "Sonst noch?"}, required=False),
    ],
)  # fmt: skip
REVIEW = {"blood_thinners": "yes", "notes": SECRET_NOTE}
CLEAN = {"blood_thinners": "no"}

DESK = staff_token("front_desk", ("main",), account_id="desk-main")
DESK_ELSEWHERE = staff_token("front_desk", ("north",), account_id="desk-north")
ADMIN = staff_token("admin", account_id="admin-1")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BookingService]:
    with running_booking_service(tmp_path_factory.mktemp("staff-rights")) as running:
        with transaction(running.writer()) as session:
            catalog_copy.on_questionnaire_published(SqlRepository(session), Envelope.wrap(QUESTIONNAIRE, "catalog"))
        yield running


def placed(service: BookingService, answers: dict[str, str], hour: int) -> dict[str, Any]:
    """A booking the saga has run for, as the booking worker would; as the machine reads it."""
    body = {
        "treatment": CUPPING,
        "start": at(DAY, hour).isoformat(),
        "client": {"name": CLIENT, "email": f"greta.{uuid.uuid4().hex[:8]}@example.com"},
        "answers": answers,
    }
    response = service.client.post("/bookings", json=body)
    assert response.status_code == 202, response.text
    booking_id = response.json()["id"]
    with service.wiring.transactions()() as repository:
        saga.place(repository, booking_id, service.wiring.rules)
    read = service.client.get(f"/bookings/{booking_id}", headers={"X-API-Key": service.staff_key})
    return dict(read.json())


def therapist_of(booking: dict[str, Any]) -> dict[str, str]:
    return staff_token("therapist", therapist=booking["therapist"], account_id=f"t-{booking['therapist']}")


def audit_rows(service: BookingService) -> list[dict[str, Any]]:
    with service.db.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(orm.audit.table).order_by(orm.audit.table.c.id))]


@pytest.mark.parametrize("route", ["/reviews", "/day", "/schedule/room/room-1?date=2030-01-07", "/audit"])
def test_a_staff_route_wants_a_valid_credential(service: BookingService, route: str) -> None:
    expired = issue_token(
        Staff(id="x", role="admin"), DEVELOPMENT_TOKEN_SECRET, 15, system_clock.now() - timedelta(hours=1)
    )
    forged = issue_token(Staff(id="x", role="admin"), "another-secret-" * 3, 15, system_clock.now())
    for headers, problem in [
        ({}, "X-API-Key"),
        (bearer("garbage"), "not valid"),
        (bearer(expired.token), "expired"),
        (bearer(forged.token), "not valid"),
        ({"X-API-Key": service.staff_key + "x"}, "X-API-Key"),
    ]:
        response = service.client.get(route, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert problem in response.json()["detail"]


def test_front_desk_changes_bookings_at_its_locations_only(service: BookingService) -> None:
    booking = placed(service, CLEAN, hour=9)
    url = f"/bookings/{booking['id']}"

    elsewhere = service.client.post(f"{url}/cancel", headers=DESK_ELSEWHERE)
    by_therapist = service.client.post(f"{url}/cancel", headers=therapist_of(booking))
    assert (elsewhere.status_code, by_therapist.status_code) == (403, 403)
    assert "'main'" in elsewhere.json()["detail"] and "front_desk" in by_therapist.json()["detail"]
    assert service.client.get(url, headers=DESK_ELSEWHERE).status_code == 403
    assert service.client.get(url, headers=DESK).json()["status"] == "confirmed"

    cancelled = service.client.post(f"{url}/cancel", headers=DESK, json={"reason": "room flooded"})

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    [row] = [r for r in audit_rows(service) if r["target"] == booking["id"]]
    assert (row["actor"], row["role"], row["action"]) == ("desk-main", "front_desk", "booking.cancel")
    assert row["client_address"] == "testclient" and row["correlation_id"]


def test_front_desk_moves_bookings_only_to_its_own_locations(service: BookingService) -> None:
    booking = placed(service, CLEAN, hour=11)
    url = f"/bookings/{booking['id']}/reschedule"
    later = at(DAY, 12).isoformat()

    away = service.client.post(url, headers=DESK, json={"start": later, "location": "west"})

    assert away.status_code == 403 and "'west'" in away.json()["detail"]
    assert service.client.get(f"/bookings/{booking['id']}", headers=DESK).json()["location"] == "main"
    assert not [r for r in audit_rows(service) if r["target"] == booking["id"]]
    here = service.client.post(url, headers=DESK, json={"start": later, "location": "main"})
    assert here.status_code == 200, here.text
    assert (here.json()["location"], here.json()["start"]) == ("main", later)


def test_a_therapist_sees_and_decides_only_their_own_reviews(service: BookingService) -> None:
    booking = placed(service, REVIEW, hour=10)
    assert booking["status"] == "needs_review"
    own = therapist_of(booking)
    other = staff_token("therapist", therapist="someone-else", account_id="t-other")

    assert booking["id"] in [r["id"] for r in service.client.get("/reviews", headers=own).json()]
    assert booking["id"] not in [r["id"] for r in service.client.get("/reviews", headers=other).json()]
    assert booking["id"] not in [r["id"] for r in service.client.get("/reviews", headers=DESK_ELSEWHERE).json()]
    assert service.client.post(f"/bookings/{booking['id']}/approve", headers=other).status_code == 403
    assert service.client.get(f"/bookings/{booking['id']}/answers", headers=other).status_code == 403

    approved = service.client.post(f"/bookings/{booking['id']}/approve", headers=own)

    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    actions = [(r["actor"], r["action"]) for r in audit_rows(service) if r["target"] == booking["id"]]
    assert actions == [
        (f"t-{booking['therapist']}", "answers.read"),  # its own /reviews showed the answers
        (f"t-{booking['therapist']}", "booking.approve"),
    ]


def test_a_therapist_reads_their_own_schedule_and_no_one_elses(service: BookingService) -> None:
    booking = placed(service, CLEAN, hour=11)
    own = therapist_of(booking)
    day = f"date={DAY.isoformat()}"

    mine = service.client.get(f"/schedule/therapist/{booking['therapist']}?{day}", headers=own)
    assert mine.status_code == 200 and booking["id"] in [b["id"] for b in mine.json()["bookings"]]
    for route in ("/schedule/therapist/someone-else", "/schedule/room/room-1"):
        refused = service.client.get(f"{route}?{day}", headers=own)
        assert refused.status_code == 403 and "own schedule" in refused.json()["detail"]
    assert service.client.get(f"/day?{day}", headers=own).status_code == 403
    elsewhere = service.client.get(f"/schedule/therapist/{booking['therapist']}?{day}", headers=DESK_ELSEWHERE)
    assert elsewhere.status_code == 200 and elsewhere.json()["bookings"] == []  # none at its locations


def test_the_day_view_is_the_desks_own_location(service: BookingService) -> None:
    day = f"date={DAY.isoformat()}"

    assert service.client.get(f"/day?{day}", headers=DESK).json()["location"] == "main"
    refused = service.client.get(f"/day?{day}&location=main", headers=DESK_ELSEWHERE)
    assert refused.status_code == 403 and "'main'" in refused.json()["detail"]
    assert service.client.get(f"/day?{day}", headers=ADMIN).status_code == 200


def test_reads_and_changes_of_answers_by_staff_are_recorded_but_never_the_answers(service: BookingService) -> None:
    booking = placed(service, REVIEW, hour=14)
    url = f"/bookings/{booking['id']}/answers"
    machine = {"X-API-Key": service.staff_key, "X-Correlation-ID": "audit-probe-1"}

    assert service.client.get(url, headers=machine).status_code == 200
    assert service.client.put(url, headers=DESK, json={"answers": CLEAN}).status_code == 200
    assert service.client.delete(url, headers=DESK).status_code == 204

    rows = [r for r in audit_rows(service) if r["target"] == booking["id"]]
    assert [(r["actor"], r["role"], r["action"]) for r in rows] == [
        ("machine", "machine", "answers.read"),
        ("desk-main", "front_desk", "answers.update"),
        ("desk-main", "front_desk", "answers.erase"),
    ]
    assert rows[0]["correlation_id"] == "audit-probe-1"
    everything = repr(audit_rows(service))
    for private in (SECRET_NOTE, CLIENT, "greta.", "blood_thinners"):
        assert private not in everything


def test_a_clients_own_token_acts_without_an_audit_row(service: BookingService) -> None:
    body = {
        "treatment": CUPPING,
        "start": at(DAY, 15).isoformat(),
        "client": {"name": CLIENT, "email": "own@example.com"},
        "answers": CLEAN,
    }
    accepted = service.client.post("/bookings", json=body).json()
    before = len(audit_rows(service))

    read = service.client.get(f"/bookings/{accepted['id']}/answers", headers={"X-Booking-Token": accepted["token"]})

    assert read.status_code == 200 and len(audit_rows(service)) == before


def test_the_audit_trail_is_for_admins_newest_first_and_filtered(service: BookingService) -> None:
    booking = placed(service, CLEAN, hour=16)
    service.client.post(f"/bookings/{booking['id']}/cancel", headers=DESK)

    assert service.client.get("/audit", headers=DESK).status_code == 403
    page = service.client.get("/audit?limit=2", headers=ADMIN).json()
    assert len(page) == 2 and page[0]["id"] > page[1]["id"]
    assert page[0]["target"] == booking["id"] and page[0]["action"] == "booking.cancel"
    mine = service.client.get("/audit", params={"actor": "desk-main", "limit": 500}, headers=ADMIN).json()
    assert mine and {r["actor"] for r in mine} == {"desk-main"}
    by_target = service.client.get("/audit", params={"target": booking["id"]}, headers=ADMIN).json()
    assert [r["action"] for r in by_target] == ["booking.cancel"]
    assert service.client.get("/audit?limit=0", headers=ADMIN).status_code == 422
