"""Intake screening on the fake repository: what each outcome does to a booking, the review that
follows, answers given again, erased, and never in an event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.booking.domain import screening as domain
from services.booking.domain.exceptions import IllegalTransition, InvalidRequest
from services.booking.domain.model import Client, Status
from services.booking.domain.screening import Outcome, Referred
from services.booking.service_layer import catalog_copy, changes, intake, saga
from shared.events import AnswerOption, Envelope, Question, QuestionnairePublished
from tests.unit.booking.conftest import CUPPING, NECK, RULES, TUESDAY, at
from tests.unit.booking.fakes import FakeRepository

SECRET_NOTE = "warfarin-since-2019"  # a text answer that must never leave the answers table


def yes_no(code: str, yes: str, advice: str = "") -> Question:
    return Question(
        code=code, kind="yes_no", text={"en": f"{code}?", "de": f"{code}?"},
        options=[
            AnswerOption(value="yes", label={"en": "Yes", "de": "Ja"}, outcome=yes,  # type: ignore[arg-type]
                         advice={"en": advice, "de": f"DE {advice}"} if advice else {}),
            AnswerOption(value="no", label={"en": "No", "de": "Nein"}),
        ],
    )  # fmt: skip


QUESTIONNAIRE = QuestionnairePublished(
    treatment=CUPPING,
    revision=3,
    alternative=NECK,
    questions=[
        yes_no("blood_thinners", "review", "A therapist will look at this first."),
        yes_no("saddle_numbness", "refer", "See a doctor today."),
        Question(code="notes", kind="text", text={"en": "Anything else?", "de": "Sonst noch etwas?"}, required=False),
    ],
)
CLEAN = {"blood_thinners": "no", "saddle_numbness": "no"}
THINNERS = {"blood_thinners": "yes", "saddle_numbness": "no", "notes": SECRET_NOTE}


@pytest.fixture
def screened(repository: FakeRepository) -> FakeRepository:
    catalog_copy.on_questionnaire_published(repository, Envelope.wrap(QUESTIONNAIRE, "catalog"))
    return repository


def request(answers: dict[str, str], locale: str = "en", start_hour: int = 10) -> changes.BookingRequest:
    client = Client(name="Maria Schmidt", email="maria@example.com", locale=locale)
    return changes.BookingRequest(CUPPING, at(TUESDAY, start_hour), client, "test", answers=answers)


def booked(repository: FakeRepository, answers: dict[str, str], start_hour: int = 10) -> str:
    booking, _ = changes.request_booking(
        repository, request(answers, start_hour=start_hour), RULES, repository.clock.now()
    )
    saga.reserve_resources(repository, booking.id, RULES)
    saga.assign_therapist(repository, booking.id, RULES)
    return booking.id


def status(repository: FakeRepository, booking_id: str) -> Status:
    booking = repository.get(booking_id)
    assert booking is not None
    return booking.status


def test_clean_answers_confirm_as_before_and_are_kept_with_their_version(screened: FakeRepository) -> None:
    booking_id = booked(screened, CLEAN)
    assert status(screened, booking_id) is Status.CONFIRMED
    kept = screened.answers(booking_id)
    assert kept is not None and kept.version == 3 and kept.outcome is Outcome.OK
    assert screened.announced_types()[-1] == "booking.confirmed"
    assert screened.announced[-1][0].screened is True  # type: ignore[attr-defined]


def test_a_review_answer_holds_everything_for_a_therapist(screened: FakeRepository) -> None:
    booking_id = booked(screened, THINNERS)
    booking = screened.get(booking_id)
    assert booking is not None and booking.status is Status.NEEDS_REVIEW
    assert booking.therapist and booking.resources  # room, kit and therapist stay claimed
    assert screened.claims_of(booking_id)
    assert screened.announced_types()[-1] == "booking.held_for_review"


def test_approval_confirms_with_a_confirmation_that_says_so(screened: FakeRepository) -> None:
    booking_id = booked(screened, THINNERS)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    intake.approve(screened, booking, RULES)
    assert status(screened, booking_id) is Status.CONFIRMED
    event = screened.announced[-1][0]
    assert event.TYPE == "booking.confirmed" and event.after_review is True  # type: ignore[attr-defined]
    with pytest.raises(IllegalTransition):
        intake.approve(screened, booking, RULES)  # approved once only


def test_declining_releases_everything_and_offers_the_alternative(screened: FakeRepository) -> None:
    booking_id = booked(screened, THINNERS)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    intake.decline(screened, booking, "cupping is not safe with your medication", RULES)
    stored = screened.get(booking_id)
    assert stored is not None and stored.status is Status.DECLINED and not stored.resources
    assert not screened.claims_of(booking_id)
    event = screened.announced[-1][0]
    assert event.TYPE == "booking.declined"
    assert event.alternative == NECK and event.automatic is False  # type: ignore[attr-defined]


def test_a_confirmed_booking_cannot_be_declined(screened: FakeRepository) -> None:
    booking = screened.get(booked(screened, CLEAN), lock=True)
    assert booking is not None
    with pytest.raises(IllegalTransition):
        intake.decline(screened, booking, "no", RULES)


def test_a_refer_answer_refuses_with_advice_and_stores_nothing(screened: FakeRepository) -> None:
    answers = {"blood_thinners": "yes", "saddle_numbness": "yes"}
    with pytest.raises(Referred) as refused:
        changes.request_booking(screened, request(answers, locale="de"), RULES, screened.clock.now())
    assert refused.value.advice == ("DE See a doctor today.",)  # the refer advice only, in the client's language
    assert refused.value.extra["outcome"] == "refer"
    assert not screened.bookings and not screened.kept_answers and not screened.announced


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"blood_thinners": "no"}, "'saddle_numbness'"),  # missing
        ({**CLEAN, "pregnant": "no"}, "'pregnant'"),  # unknown question
        ({**CLEAN, "blood_thinners": "maybe"}, "'blood_thinners' must be one of: yes, no"),
    ],
)
def test_missing_unknown_or_wrong_answers_name_the_question(
    screened: FakeRepository, answers: dict[str, str], named: str
) -> None:
    with pytest.raises(InvalidRequest, match=named) as refused:
        changes.request_booking(screened, request(answers), RULES, screened.clock.now())
    assert "maybe" not in str(refused.value)  # the answer itself is never echoed
    assert not screened.bookings


def test_answers_for_a_treatment_without_questions_are_refused(repository: FakeRepository) -> None:
    with pytest.raises(InvalidRequest, match="asks no intake questions"):
        changes.request_booking(repository, request(CLEAN), RULES, repository.clock.now())


def test_no_event_carries_an_answer(screened: FakeRepository) -> None:
    booking_id = booked(screened, THINNERS)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    intake.give_answers(screened, booking, {**THINNERS, "notes": SECRET_NOTE + "!"}, screened.clock.now(), RULES)
    intake.erase(screened, booking)
    wire = " ".join(Envelope.wrap(event, cid).model_dump_json() for event, cid in screened.announced)
    assert SECRET_NOTE not in wire and "warfarin" not in wire
    assert "booking.answers_changed" in screened.announced_types()


def test_updated_answers_put_a_confirmed_booking_back_into_review(screened: FakeRepository) -> None:
    booking_id = booked(screened, CLEAN)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    intake.give_answers(screened, booking, THINNERS, screened.clock.now(), RULES)
    assert status(screened, booking_id) is Status.NEEDS_REVIEW
    event = screened.announced[-1][0]
    assert event.TYPE == "booking.held_for_review" and event.again is True  # type: ignore[attr-defined]
    assert screened.claims_of(booking_id)  # still held


def test_a_refer_update_changes_nothing(screened: FakeRepository) -> None:
    booking_id = booked(screened, CLEAN)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    before = len(screened.announced)
    with pytest.raises(Referred):
        intake.give_answers(screened, booking, {**CLEAN, "saddle_numbness": "yes"}, screened.clock.now(), RULES)
    kept = screened.answers(booking_id)
    assert kept is not None and kept.outcome is Outcome.OK
    assert len(screened.announced) == before and status(screened, booking_id) is Status.CONFIRMED


def test_answers_cannot_change_once_the_visit_started(screened: FakeRepository) -> None:
    booking = screened.get(booked(screened, CLEAN), lock=True)
    assert booking is not None
    with pytest.raises(IllegalTransition):
        intake.give_answers(screened, booking, CLEAN, booking.start, RULES)


def test_reviews_not_done_before_the_deadline_are_declined(screened: FakeRepository) -> None:
    soon, later = booked(screened, THINNERS, start_hour=10), booked(screened, THINNERS, start_hour=14)
    deadline = at(TUESDAY, 12)  # bookings in review starting before this are declined
    assert intake.decline_unreviewed(screened.transaction, deadline, RULES) == 1
    assert status(screened, soon) is Status.DECLINED and status(screened, later) is Status.NEEDS_REVIEW
    event = screened.announced[-1][0]
    assert event.automatic is True and event.reason == intake.NOT_REVIEWED_IN_TIME  # type: ignore[attr-defined]
    assert intake.decline_unreviewed(screened.transaction, deadline, RULES) == 0  # a repeat is a no-op


def test_answers_are_erased_a_while_after_the_visit(screened: FakeRepository) -> None:
    booking_id = booked(screened, CLEAN)
    booking = screened.get(booking_id)
    assert booking is not None
    assert intake.erase_expired(screened.transaction, booking.end) == 0  # the visit has not ended before then
    assert intake.erase_expired(screened.transaction, booking.end + timedelta(days=90)) == 1
    assert screened.answers(booking_id) is None
    assert screened.get(booking_id).screening is Outcome.OK  # type: ignore[union-attr]  # the outcome stays


def test_the_same_answers_again_change_nothing(screened: FakeRepository) -> None:
    booking_id = booked(screened, THINNERS)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    intake.approve(screened, booking, RULES)
    before = len(screened.announced)
    intake.give_answers(screened, booking, THINNERS, screened.clock.now(), RULES)  # saved again after a reminder
    assert status(screened, booking_id) is Status.CONFIRMED and len(screened.announced) == before


def test_changed_answers_while_in_review_are_announced_again(screened: FakeRepository) -> None:
    booking_id = booked(screened, THINNERS)
    booking = screened.get(booking_id, lock=True)
    assert booking is not None
    intake.give_answers(screened, booking, {**THINNERS, "notes": "also a new knee"}, screened.clock.now(), RULES)
    assert screened.announced_types()[-1] == "booking.held_for_review"  # the therapist sees what changed


def test_a_text_answer_that_needs_review_gets_advice_of_its_own() -> None:
    question = domain.Question("history", "text", {"en": "History?"}, answered_outcome=Outcome.REVIEW)
    screening = domain.screen(domain.Questionnaire(CUPPING, 1, (question,)), {"history": "something"}, "de")
    assert screening.outcome is Outcome.REVIEW and screening.advice and "Therapeut" in screening.advice[0]
