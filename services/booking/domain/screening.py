"""Intake screening: a client's answers to a treatment's questionnaire, and what they mean for the booking.

`ok` books as usual; `review` holds the booking (`needs_review`) until a therapist has looked; `refer`
books nothing and tells the client whom to see. Errors name the question, never the answer: answers are
health data and stay out of messages, logs and events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.booking.domain.exceptions import InvalidRequest


class Outcome(StrEnum):
    OK = "ok"
    REVIEW = "review"
    REFER = "refer"


_SEVERITY = [Outcome.OK, Outcome.REVIEW, Outcome.REFER]


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]  # per language
    outcome: Outcome = Outcome.OK
    advice: dict[str, str] = field(default_factory=dict)  # per language, for review and refer


@dataclass(frozen=True)
class Question:
    code: str
    kind: str  # yes_no | choice | text
    text: dict[str, str]  # per language
    options: tuple[Option, ...] = ()
    required: bool = True
    answered_outcome: Outcome = Outcome.OK  # a text question's non-empty answer

    def value_of(self, given: str) -> Option | None:
        """The option `given` picks (case-insensitively), or None for a text question."""
        if self.kind == "text":
            return None
        found = next((o for o in self.options if o.value.lower() == given.strip().lower()), None)
        if found is None:
            choices = ", ".join(o.value for o in self.options)
            raise InvalidRequest(
                f"the answer to question {self.code!r} must be one of: {choices}", field=f"answers.{self.code}"
            )
        return found


@dataclass(frozen=True)
class Questionnaire:
    """A treatment's intake questions at one version (the catalog's revision)."""

    treatment: str
    version: int
    questions: tuple[Question, ...]
    alternative: str | None = None  # offered when a therapist declines after review


@dataclass(frozen=True)
class Answer:
    """One answer as it was given, with the question's text at that version (staff read it later)."""

    question: str
    text: dict[str, str]
    answer: str
    label: dict[str, str]  # the chosen option's label; a text answer's own text
    outcome: Outcome


@dataclass(frozen=True)
class Screening:
    version: int
    outcome: Outcome
    answers: tuple[Answer, ...]
    advice: tuple[str, ...] = ()  # in the client's language, for the review and refer answers
    answered_at: datetime | None = None


class Referred(InvalidRequest):
    """The answers say: do not book, see a doctor. Nothing was stored; `advice` says why and whom to see."""

    def __init__(self, advice: tuple[str, ...]) -> None:
        super().__init__("we cannot book this visit for you: " + " ".join(advice))
        self.advice = advice

    @property
    def extra(self) -> dict[str, Any]:
        """Fields of the 422 answer, so a page shows the advice as advice, not as an error."""
        return {"outcome": Outcome.REFER.value, "advice": list(self.advice)}


# Said when an answer that needs it carries no advice of its own (a text question's answer).
_GENERIC_ADVICE = {
    Outcome.REVIEW: {
        "en": "A therapist will look at your answers before your visit is confirmed.",
        "de": "Eine Therapeutin oder ein Therapeut sieht sich Ihre Angaben an, bevor der Termin bestätigt wird.",
    },
    Outcome.REFER: {
        "en": "From your answers we cannot offer this treatment now; please see your doctor first.",
        "de": "Nach Ihren Angaben können wir diese Behandlung jetzt nicht anbieten; bitte gehen Sie zuerst zu "
        "Ihrer Ärztin oder Ihrem Arzt.",
    },
}


def _in(texts: Mapping[str, str], locale: str) -> str:
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")


def screen(questionnaire: Questionnaire, given: Mapping[str, str], locale: str) -> Screening:
    """Check the answers against the questionnaire and say what they mean; InvalidRequest names a
    missing or unknown question, Referred carries the advice of every `refer` answer."""
    known = {q.code for q in questionnaire.questions}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidRequest(
            f"unknown question {unknown[0]!r}; this treatment asks: {', '.join(sorted(known))}",
            field=f"answers.{unknown[0]}",
        )
    answers: list[Answer] = []
    for question in questionnaire.questions:
        value = given.get(question.code, "").strip()
        if not value:
            if question.required:
                raise InvalidRequest(
                    f"please answer question {question.code!r}: {_in(question.text, locale)}",
                    field=f"answers.{question.code}",
                )
            continue
        option = question.value_of(value)
        if option is None:
            answers.append(Answer(question.code, question.text, value, {}, question.answered_outcome))
        else:
            answers.append(Answer(question.code, question.text, option.value, option.label, option.outcome))
    outcome = max((a.outcome for a in answers), key=_SEVERITY.index, default=Outcome.OK)
    options = {(q.code, o.value): o for q in questionnaire.questions for o in q.options}
    advice = tuple(
        dict.fromkeys(
            _in(chosen.advice if (chosen := options.get((a.question, a.answer))) and chosen.advice
                else _GENERIC_ADVICE[outcome], locale)
            for a in answers
            if a.outcome is outcome and outcome is not Outcome.OK
        )
    )  # fmt: skip
    if outcome is Outcome.REFER:
        raise Referred(advice)
    return Screening(questionnaire.version, outcome, tuple(answers), advice)
