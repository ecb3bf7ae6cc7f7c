"""A treatment's intake questionnaire: what a client is asked before a visit and what each answer means
(go ahead, a therapist looks first, or see a doctor instead). Plain Python, no framework; the shapes
mirror the wire's Question and AnswerOption."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.catalog.domain.errors import CatalogError
from services.catalog.domain.indications import LOCALES

YES_NO, CHOICE, TEXT = "yes_no", "choice", "text"
KINDS = (YES_NO, CHOICE, TEXT)
# ok: go ahead; review: a therapist looks before the visit is confirmed; refer: see a doctor, do not come
OK, REVIEW, REFER = "ok", "review", "refer"
OUTCOMES = (OK, REVIEW, REFER)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # like a catalog code, with underscores: the booking keeps it


def _check_code(code: str, what: str) -> None:
    if not _CODE.match(code):
        raise CatalogError(f"{what} must be a lower-case letter then up to 39 letters, digits or _, not {code!r}")


def _check_outcome(outcome: str, what: str) -> None:
    if outcome not in OUTCOMES:
        raise CatalogError(f"unknown outcome {outcome!r} for {what}; known: {', '.join(OUTCOMES)}")


def _check_texts(texts: Mapping[str, str], what: str) -> None:
    missing = [locale for locale in LOCALES if not str(texts.get(locale, "")).strip()]
    if missing:
        raise CatalogError(f"{what} needs a text in {', '.join(missing)}")


@dataclass(frozen=True)
class AnswerOption:
    value: str
    label: dict[str, str]  # per locale
    outcome: str = OK
    advice: dict[str, str] = field(default_factory=dict)  # per locale: what the client is told on review or refer

    def validate(self, question: str) -> None:
        what = f"answer {self.value!r} of question {question!r}"
        _check_code(self.value, f"the value of {what}")
        _check_texts(self.label, f"the label of {what}")
        _check_outcome(self.outcome, what)
        if self.outcome != OK:
            _check_texts(self.advice, f"the advice for {what} ({self.outcome})")


@dataclass(frozen=True)
class Question:
    code: str
    kind: str  # yes_no | choice | text
    text: dict[str, str]  # per locale
    options: list[AnswerOption] = field(default_factory=list)
    required: bool = True
    answered_outcome: str = OK  # what a text question's non-empty answer means

    def validate(self) -> None:
        _check_code(self.code, "a question code")
        if self.kind not in KINDS:
            raise CatalogError(f"question {self.code!r} has unknown kind {self.kind!r}; known: {', '.join(KINDS)}")
        _check_texts(self.text, f"question {self.code!r}")
        values = [option.value for option in self.options]
        if self.kind == YES_NO and sorted(values) != ["no", "yes"]:
            raise CatalogError(f"yes/no question {self.code!r} must have exactly the answers 'yes' and 'no'")
        if self.kind == CHOICE and (len(values) < 2 or len(set(values)) < len(values)):
            raise CatalogError(f"choice question {self.code!r} needs at least two answers with different values")
        if self.kind == TEXT and self.options:
            raise CatalogError(f"text question {self.code!r} takes no answer options")
        for option in self.options:
            option.validate(self.code)
        _check_outcome(self.answered_outcome, f"an answer to question {self.code!r}")


@dataclass(frozen=True)
class Questionnaire:
    """Asked before a visit of `treatment`; its revision is the version a booking records it answered."""

    treatment: str
    questions: list[Question]
    alternative: str | None = None  # the treatment offered when a therapist declines after review
    active: bool = True

    def validate(self) -> None:
        if not self.questions:
            raise CatalogError("a questionnaire needs at least one question")
        codes = [question.code for question in self.questions]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise CatalogError(f"each question code may appear once, not {', '.join(map(repr, repeated))}")
        for question in self.questions:
            question.validate()
        if self.alternative == self.treatment:
            raise CatalogError(f"the alternative must be another treatment than {self.treatment!r} itself")


def questions_from(plain: Iterable[Mapping[str, Any]]) -> list[Question]:
    """Questions from their plain form (a JSON column, a request body)."""
    return [
        Question(**{**question, "options": [AnswerOption(**option) for option in question.get("options", [])]})
        for question in plain
    ]
