"""Intake answers over HTTP on a real SQLite file and Redis: screening at POST /bookings, the answers
readable only with the booking's own token or by staff, the review queue, approve and decline,
answers given again and erased. The saga's steps run in this process, as the worker would run them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import func, select

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.service_layer import catalog_copy, saga
from shared.db import transaction
from shared.events import AnswerOption, Envelope, Question, QuestionnairePublished
from tests.integration.conftest import BookingService
from tests.support.clock import at, next_weekday

CUPPING = "back-leg-cupping"
DAY = next_weekday(2, 3)  # a Wednesday 3+ days ahead: Anna and Ben both work at 13:00
SECRET_NOTE = "clopidogrel-75mg"  # a text answer: it may be read back, but never leaks elsewhere


def yes_no(code: str, yes: str, advice: str) -> Question:
    return Question(
        code=code, kind="yes_no", text={"en": f"Question {code}?", "de": f"Frage {code}?"},
        options=[
            AnswerOption(value="yes", label={"en": "Yes", "de": "Ja"}, outcome=yes,  # type: ignore[arg-type]
                         advice={"en": advice, "de": f"(de) {advice}"}),
            AnswerOption(value="no", label={"en": "No", "de": "Nein"}),
        ],
    )  # fmt: skip


QUESTIONNAIRE = QuestionnairePublished(
    treatment=CUPPING,
    revision=7,
    alternative="back-neck",
    questions=[
        yes_no("blood_thinners", "review", "A therapist looks at this before your visit is confirmed."),
        yes_no("saddle_numbness", "refer", "Please see a doctor today."),
        Question(code="notes", kind="text", text={"en": "Anything else?", "de": "Sonst noch?"}, required=False),
    ],
)
CLEAN = {"blood_thinners": "no", "saddle_numbness": "no"}
THINNERS = {"blood_thinners": "yes", "saddle_numbness": "no", "notes": SECRET_NOTE}


@pytest.fixture(scope="module")
def service(booking_service: BookingService) -> BookingService:
    with transaction(booking_service.writer()) as session:
        catalog_copy.on_questionnaire_published(SqlRepository(session), Envelope.wrap(QUESTIONNAIRE, "catalog"))
    return booking_service


def ask(service: BookingService, answers: dict[str, str], hour: int = 13) -> Response:
    body: dict[str, Any] = {
        "treatment": CUPPING,
        "start": at(DAY, hour).isoformat(),
        "client": {"name": "Maria Schmidt", "email": f"maria.{uuid.uuid4().hex[:8]}@example.com"},
        "answers": answers,
    }
    return service.client.post("/bookings", json=body)


def placed(service: BookingService, answers: dict[str, str], hour: int = 13) -> tuple[str, str]:
    """A booking the saga has run for, as the booking worker would; (id, token)."""
    response = ask(service, answers, hour)
    assert response.status_code == 202, response.text
    booking_id, token = response.json()["id"], response.json()["token"]
    with service.wiring.transactions()() as repository:  # as the booking worker does
        saga.place(repository, booking_id, service.wiring.rules)
    return booking_id, token


def staff(service: BookingService) -> dict[str, str]:
    return {"X-API-Key": service.staff_key}


def bookings(service: BookingService) -> tuple[int, int]:
    """How many bookings and answer sets are stored."""
    with service.db.connect() as conn:
        return (
            int(conn.execute(select(func.count()).select_from(orm.booking)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(orm.intake_answers)).scalar_one()),
        )


def outbox_text(service: BookingService) -> str:
    with service.db.connect() as conn:
        return " ".join(str(row) for row in conn.execute(select(orm.outbox.outbox)))


def test_missing_and_unknown_answers_are_a_422_naming_the_question(service: BookingService) -> None:
    before = bookings(service)
    missing = ask(service, {"blood_thinners": "no"})
    assert missing.status_code == 422 and "'saddle_numbness'" in missing.json()["detail"]
    unknown = ask(service, {**CLEAN, "pregnant": "no"})
    assert unknown.status_code == 422 and "unknown question 'pregnant'" in unknown.json()["detail"]
    # Each names its question as a field, so a page shows the message beside it.
    [missing_field] = missing.json()["errors"]
    assert missing_field["field"].removeprefix("answers.") in missing.json()["detail"]
    assert unknown.json()["errors"] == [{"field": "answers.pregnant", "problem": unknown.json()["detail"]}]
    assert bookings(service) == before


def test_a_refer_answer_is_refused_with_the_advice_and_nothing_is_stored(service: BookingService) -> None:
    before = bookings(service)
    response = ask(service, {"blood_thinners": "no", "saddle_numbness": "yes"})
    assert response.status_code == 422
    body = response.json()
    assert body["outcome"] == "refer" and body["advice"] == ["Please see a doctor today."]
    assert bookings(service) == before


def test_answers_are_read_with_the_own_token_or_by_staff_and_by_nobody_else(service: BookingService) -> None:
    mine, my_token = placed(service, THINNERS)
    _other, other_token = placed(service, CLEAN, hour=15)
    read = service.client.get(f"/bookings/{mine}/answers", headers={"X-Booking-Token": my_token})
    assert read.status_code == 200
    assert read.json()["questionnaire_version"] == 7 and read.json()["outcome"] == "review"
    assert {a["question"]: a["answer"] for a in read.json()["answers"]}["notes"] == SECRET_NOTE
    for headers in ({"X-Booking-Token": other_token}, {}, {"X-API-Key": "wrong"}):
        refused = service.client.get(f"/bookings/{mine}/answers", headers=headers)
        assert refused.status_code == 404 and SECRET_NOTE not in refused.text
    assert service.client.get(f"/bookings/{mine}/answers", headers=staff(service)).status_code == 200


def test_review_queue_approve_and_decline(service: BookingService) -> None:
    approved, token = placed(service, THINNERS, hour=10)
    declined, _ = placed(service, THINNERS, hour=11)
    assert service.client.get("/reviews").status_code == 401
    queue = {r["id"]: r for r in service.client.get("/reviews", headers=staff(service)).json()}
    assert {approved, declined} <= set(queue)
    assert queue[approved]["status"] == "needs_review" and queue[approved]["therapist"]
    assert queue[approved]["answers"]["outcome"] == "review"
    waiting = service.client.get(f"/bookings/{approved}", headers={"X-Booking-Token": token}).json()
    # The client is told by when a therapist looks at it (the default deadline: an hour before the start).
    assert datetime.fromisoformat(waiting["review_deadline"]) == datetime.fromisoformat(waiting["start"]) - timedelta(
        minutes=60
    )

    answer = service.client.post(f"/bookings/{approved}/approve", headers=staff(service))
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    assert service.client.post(f"/bookings/{approved}/approve", headers=staff(service)).status_code == 409
    shown = service.client.get(f"/bookings/{approved}", headers={"X-Booking-Token": token}).json()
    assert shown["status"] == "confirmed" and shown["screening"] == "review" and shown["review_deadline"] is None

    assert (
        service.client.post(f"/bookings/{declined}/decline", json={"reason": ""}, headers=staff(service)).status_code
        == 422
    )
    answer = service.client.post(
        f"/bookings/{declined}/decline", json={"reason": "not with this medication"}, headers=staff(service)
    )
    assert answer.status_code == 200 and answer.json()["status"] == "declined"
    with service.db.connect() as conn:
        held = conn.execute(select(func.count()).select_from(orm.claim).where(orm.claim.c.booking_id == declined))
        assert held.scalar_one() == 0
    queue = {r["id"] for r in service.client.get("/reviews", headers=staff(service)).json()}
    assert approved not in queue and declined not in queue
    assert SECRET_NOTE not in outbox_text(service)


def test_updated_answers_put_the_booking_back_into_review_and_erasure_forgets_them(service: BookingService) -> None:
    booking_id, token = placed(service, CLEAN, hour=16)
    mine = {"X-Booking-Token": token}
    shown = service.client.get(f"/bookings/{booking_id}", headers=mine).json()
    assert shown["status"] == "confirmed"
    refer = service.client.put(
        f"/bookings/{booking_id}/answers", json={"answers": {**CLEAN, "saddle_numbness": "yes"}}, headers=mine
    )
    assert refer.status_code == 422 and refer.json()["outcome"] == "refer"
    update = service.client.put(f"/bookings/{booking_id}/answers", json={"answers": THINNERS}, headers=mine)
    assert update.status_code == 200 and update.json()["outcome"] == "review"
    assert service.client.get(f"/bookings/{booking_id}", headers=mine).json()["status"] == "needs_review"

    assert service.client.delete(f"/bookings/{booking_id}/answers", headers=mine).status_code == 204
    assert service.client.get(f"/bookings/{booking_id}/answers", headers=mine).status_code == 404
    assert service.client.delete(f"/bookings/{booking_id}/answers", headers=mine).status_code == 404
    with service.db.connect() as conn:
        kept = conn.execute(select(orm.intake_answers).where(orm.intake_answers.c.booking_id == booking_id))
        assert kept.first() is None
    assert SECRET_NOTE not in outbox_text(service)
