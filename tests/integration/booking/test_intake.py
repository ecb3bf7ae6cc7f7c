"""Intake answers on SQLite and PostgreSQL: kept beside the booking, replaced, erased with the request
fingerprint made from them, and the review deadline and retention sweeps finding the right rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.calendar import BookingRules
from services.booking.domain.model import Client, Status
from services.booking.domain.screening import Outcome, Referred
from services.booking.service_layer import catalog_copy, changes, intake, saga
from shared.db import SessionFactory, transaction, transactions
from shared.events import AnswerOption, Envelope, Question, QuestionnairePublished
from tests.support.clock import BERLIN, at, now, working_day

RULES = BookingRules(tz=BERLIN)
QUESTIONS = QuestionnairePublished(
    treatment="back-leg-cupping",
    revision=2,
    alternative="back-neck",
    questions=[
        Question(
            code=code,
            kind="yes_no",
            text={"en": code, "de": code},
            options=[
                AnswerOption(
                    value="yes",
                    label={"en": "Yes", "de": "Ja"},
                    outcome=outcome,  # type: ignore[arg-type]
                    advice={"en": f"advice {code}", "de": f"Rat {code}"},
                ),
                AnswerOption(value="no", label={"en": "No", "de": "Nein"}),
            ],
        )
        for code, outcome in (("blood_thinners", "review"), ("clots", "refer"))
    ],
)


@pytest.fixture
def factory(booking_factory: SessionFactory) -> SessionFactory:
    with transaction(booking_factory) as session:
        catalog_copy.on_questionnaire_published(SqlRepository(session), Envelope.wrap(QUESTIONS, "t"))
    return booking_factory


def place(factory: SessionFactory, hour: int, answers: dict[str, str]) -> str:
    request = changes.BookingRequest(
        "back-leg-cupping", at(working_day(3), hour), Client("Maria", f"{uuid.uuid4().hex[:8]}@example.com"),
        "test", answers=answers,
    )  # fmt: skip
    with transaction(factory) as session:
        booking, _ = changes.request_booking(SqlRepository(session), request, RULES, now(), ("key-" + str(hour), "fp"))
    with transaction(factory) as session:  # as the booking worker does
        saga.place(SqlRepository(session), booking.id, RULES)
    return booking.id


def test_answers_are_kept_replaced_and_erased(factory: SessionFactory) -> None:
    booking_id = place(factory, 10, {"blood_thinners": "no", "clots": "no"})
    with transaction(factory) as session:
        repository = SqlRepository(session)
        kept = repository.answers(booking_id)
        assert kept is not None and kept.version == 2 and kept.outcome is Outcome.OK
        booking = repository.get(booking_id, lock=True)
        assert booking is not None and booking.status is Status.CONFIRMED
        with pytest.raises(Referred):
            intake.give_answers(repository, booking, {"blood_thinners": "no", "clots": "yes"}, now(), RULES)
        intake.give_answers(repository, booking, {"blood_thinners": "yes", "clots": "no"}, now(), RULES)
    with transaction(factory) as session:
        repository = SqlRepository(session)
        kept = repository.answers(booking_id)
        assert kept is not None and kept.outcome is Outcome.REVIEW
        assert [a.answer for a in kept.answers] == ["yes", "no"]
        booking = repository.get(booking_id)
        assert booking is not None and booking.status is Status.NEEDS_REVIEW and repository.claims_of(booking_id)
        assert intake.erase(repository, booking)
    with transaction(factory) as session:
        assert SqlRepository(session).answers(booking_id) is None
        row = session.execute(select(orm.booking).where(orm.booking.c.id == booking_id)).one()
        assert row.screening == "review" and row.questionnaire_version == 2  # the outcome stays


def test_the_sweeps_find_reviews_near_their_visit_and_answers_past_retention(factory: SessionFactory) -> None:
    soon = place(factory, 9, {"blood_thinners": "yes", "clots": "no"})
    later = place(factory, 15, {"blood_thinners": "yes", "clots": "no"})
    run = transactions(factory, SqlRepository)
    assert intake.decline_unreviewed(run, at(working_day(3), 12), RULES) == 1
    with transaction(factory) as session:
        repository = SqlRepository(session)
        assert [b.id for b in repository.in_review()] == [later]
        declined = repository.get(soon)
        assert declined is not None and declined.status is Status.DECLINED and not repository.claims_of(soon)
    visit_end = at(working_day(3), 12)
    assert intake.erase_expired(run, visit_end) == 1  # only the 09:00 visit has ended by then
    assert intake.erase_expired(run, visit_end + timedelta(days=90)) == 1
    with transaction(factory) as session:
        assert session.execute(select(orm.intake_answers)).first() is None
