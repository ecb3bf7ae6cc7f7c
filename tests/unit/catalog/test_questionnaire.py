"""Intake questionnaires as catalog entries: a questionnaire the clinic could not ask is refused with the
reason, one for an unknown treatment is not found, and every saved one is announced with its version.
The seed asks what each treatment needs, in English and German, with advice for every answer that holds
a booking for review or sends the client to a doctor."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from services.catalog.domain import seed
from services.catalog.domain.errors import CatalogError, UnknownEntry
from services.catalog.domain.indications import LOCALES
from services.catalog.domain.questionnaire import (
    CHOICE,
    OK,
    REFER,
    REVIEW,
    TEXT,
    YES_NO,
    AnswerOption,
    Question,
    Questionnaire,
)
from services.catalog.service_layer import entries
from shared.events import QuestionnairePublished
from tests.unit.catalog.fakes import FakeRepository

EN_DE = {"en": "Text", "de": "Text"}
YES = AnswerOption(
    "yes", {"en": "Yes", "de": "Ja"}, REVIEW, {"en": "A therapist looks first.", "de": "Wir sehen nach."}
)
NO = AnswerOption("no", {"en": "No", "de": "Nein"})


def question(**changes: Any) -> Question:
    return replace(Question("fever", YES_NO, EN_DE, [YES, NO]), **changes)


def questionnaire(*questions: Question, **changes: Any) -> Questionnaire:
    return replace(Questionnaire("back-leg-cupping", list(questions) or [question()], "back-neck"), **changes)


# ---- what a questionnaire must be ---------------------------------------------------------------

REFUSED: dict[str, tuple[Questionnaire, str]] = {
    "no-questions": (questionnaire(questions=[]), "a questionnaire needs at least one question"),
    "code-twice": (questionnaire(question(), question()), "each question code may appear once, not 'fever'"),
    "capital-code": (questionnaire(question(code="Fever")), "a question code must be a lower-case letter"),
    "dashed-code": (questionnaire(question(code="had-fever")), "not 'had-fever'"),
    "long-code": (questionnaire(question(code="f" * 41)), "up to 39 letters, digits or _"),
    "unknown-kind": (questionnaire(question(kind="scale")), "question 'fever' has unknown kind 'scale'; known:"),
    "no-german": (questionnaire(question(text={"en": "Fever?"})), "question 'fever' needs a text in de"),
    "blank-english": (questionnaire(question(text={"en": " ", "de": "Fieber?"})), "needs a text in en"),
    "yes-maybe": (
        questionnaire(question(options=[YES, replace(NO, value="maybe")])),
        "yes/no question 'fever' must have exactly the answers 'yes' and 'no'",
    ),
    "yes-only": (questionnaire(question(options=[YES])), "exactly the answers 'yes' and 'no'"),
    "one-choice": (
        questionnaire(question(kind=CHOICE, options=[NO])),
        "choice question 'fever' needs at least two answers with different values",
    ),
    "same-choice-twice": (questionnaire(question(kind=CHOICE, options=[NO, NO])), "with different values"),
    "text-with-options": (questionnaire(question(kind=TEXT)), "text question 'fever' takes no answer options"),
    "label-without-german": (
        questionnaire(question(options=[YES, replace(NO, label={"en": "No"})])),
        "the label of answer 'no' of question 'fever' needs a text in de",
    ),
    "review-without-advice": (
        questionnaire(question(options=[replace(YES, advice={}), NO])),
        "the advice for answer 'yes' of question 'fever' (review) needs a text in en, de",
    ),
    "refer-advice-only-in-english": (
        questionnaire(question(options=[replace(YES, outcome=REFER, advice={"en": "See a doctor."}), NO])),
        "the advice for answer 'yes' of question 'fever' (refer) needs a text in de",
    ),
    "unknown-outcome": (
        questionnaire(question(options=[replace(YES, outcome="maybe"), NO])),
        "unknown outcome 'maybe' for answer 'yes' of question 'fever'; known: ok, review, refer",
    ),
    "unknown-text-outcome": (
        questionnaire(question(kind=TEXT, options=[], answered_outcome="later")),
        "unknown outcome 'later' for an answer to question 'fever'",
    ),
    "itself-as-alternative": (
        questionnaire(alternative="back-leg-cupping"),
        "the alternative must be another treatment than 'back-leg-cupping' itself",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_questionnaire_the_clinic_could_not_ask_is_refused_with_the_reason(case: str) -> None:
    refused, reason = REFUSED[case]
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    repo.announced.clear()

    with pytest.raises(CatalogError, match=re.escape(reason)):
        entries.save_entry(repo, refused, "staff")

    assert repo.announced == []


def test_choice_and_optional_text_questions_pass() -> None:
    often = Question("how_often", CHOICE, EN_DE, [replace(NO, value="rarely"), replace(NO, value="weekly")])
    notes = Question("notes", TEXT, EN_DE, required=False)
    questionnaire(question(), often, notes).validate()


def test_a_questionnaire_for_an_unknown_treatment_is_not_found() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    with pytest.raises(UnknownEntry, match="no treatment 'hot-stones'"):
        entries.save_entry(repo, questionnaire(treatment="hot-stones"), "staff")


def test_the_alternative_must_be_a_treatment_in_the_catalog() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    with pytest.raises(CatalogError, match="the alternative 'hot-stones' is not a treatment in the catalog"):
        entries.save_entry(repo, questionnaire(alternative="hot-stones"), "staff")


def test_each_saved_questionnaire_is_announced_with_its_new_version() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    repo.announced.clear()

    first = entries.save_entry(repo, questionnaire(), "staff")
    second = entries.save_entry(repo, questionnaire(alternative=None), "staff")

    assert (first, second) == (2, 3)  # the seed's questionnaire was version 1
    assert [(e.treatment, e.revision, e.alternative) for e in repo.announced] == [
        ("back-leg-cupping", 2, "back-neck"),
        ("back-leg-cupping", 3, None),
    ]
    announced = repo.announced[-1]
    assert isinstance(announced, QuestionnairePublished)
    assert announced.questions[0].options[0].advice == YES.advice
    assert repo.questionnaires("back-leg-cupping") == [(questionnaire(alternative=None), 3)]


# ---- the seed questionnaires --------------------------------------------------------------------

SEED_OUTCOMES = {
    "back-leg-cupping": {
        "blood_thinners": REVIEW,
        "pregnant": REVIEW,
        "skin_problems": REVIEW,
        "fever": REFER,
        "clots": REFER,
        "varicose_veins": REVIEW,
        "recent_surgery": REVIEW,
        "cancer_treatment": REVIEW,
        "saddle_numbness": REFER,
        "bladder_bowel": REFER,
        "leg_weakness": REFER,
    },
    "back-neck": {"blood_thinners": REVIEW, "fever": REFER, "neck_injury": REVIEW, "arm_numbness": REFER},
}


@pytest.mark.parametrize("asked", seed.QUESTIONNAIRES, ids=lambda q: q.treatment)
def test_each_seed_treatment_asks_its_questions_and_yes_decides(asked: Questionnaire) -> None:
    asked.validate()
    by_code = {q.code: q for q in asked.questions}
    yes_no = {code: q for code, q in by_code.items() if q.kind == YES_NO}
    assert {code: q.options[0].outcome for code, q in yes_no.items()} == SEED_OUTCOMES[asked.treatment]
    assert all([o.value for o in q.options] == ["yes", "no"] and q.options[1].outcome == OK for q in yes_no.values())
    notes = by_code["notes"]
    assert (notes.kind, notes.required, notes.answered_outcome) == (TEXT, False, OK)
    assert set(by_code) == {*SEED_OUTCOMES[asked.treatment], "notes"}


@pytest.mark.parametrize("asked", seed.QUESTIONNAIRES, ids=lambda q: q.treatment)
def test_every_answer_that_holds_or_refers_tells_the_client_why_in_both_languages(asked: Questionnaire) -> None:
    for q in asked.questions:
        assert all(q.text[locale].strip() for locale in LOCALES)
        for option in q.options:
            if option.outcome != OK:
                assert all(len(option.advice[locale]) > 40 for locale in LOCALES), (q.code, option.value)
            if option.outcome == REVIEW:
                assert "therapist will look at your answer" in option.advice["en"]
                assert "bevor Ihr Termin bestätigt wird" in option.advice["de"]
            if option.outcome == REFER:
                assert "doctor" in option.advice["en"] and "ärzt" in option.advice["de"].casefold(), q.code


def test_the_seed_questionnaires_belong_to_seed_treatments_and_offer_back_neck_instead_of_cupping() -> None:
    slugs = {t.slug for t in seed.TREATMENTS}
    assert {q.treatment for q in seed.QUESTIONNAIRES} == slugs
    assert {q.treatment: q.alternative for q in seed.QUESTIONNAIRES} == {
        "back-leg-cupping": "back-neck",
        "back-neck": None,
    }
