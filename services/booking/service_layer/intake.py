"""Intake: a client's health answers, and the therapist's review they may call for.

  POST /bookings with answers -> screen_request: `refer` refuses the booking (nothing stored), `review`
                                 makes the saga hold everything as `needs_review` instead of confirming
  staff                       -> approve (booking.confirmed, after_review) or decline (booking.declined,
                                 everything released, the questionnaire's alternative offered)
  the scheduler               -> decline_unreviewed: still in review shortly before the visit
  the client, with the token  -> give_answers until the visit (review again puts a confirmed booking back
                                 into review), erase
  the scheduler               -> erase_expired: answers go a while after the visit
Answers stay in the booking database: events carry the outcome only (booking.answers_changed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime

from services.booking.adapters.repository import AbstractRepository, Transactions
from services.booking.domain.calendar import BookingRules
from services.booking.domain.catalog import TreatmentSpec
from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Booking, Status
from services.booking.domain.screening import Screening, screen
from services.booking.service_layer.catalog_copy import booked_rules
from services.booking.service_layer.holding import slot_facts
from shared.events import AnswersChanged, BookingConfirmed, BookingDeclined, BookingHeldForReview, ClientContact

log = logging.getLogger(__name__)
NOT_REVIEWED_IN_TIME = "no therapist could review your answers in time before the visit"


def screen_request(
    repository: AbstractRepository, treatment: TreatmentSpec, answers: Mapping[str, str], locale: str
) -> Screening | None:
    """The answers checked against the treatment's questionnaire; None when it asks nothing."""
    questionnaire = repository.questionnaire(treatment.slug)
    if questionnaire is None:
        if answers:
            raise InvalidRequest(f"{treatment.name} asks no intake questions: send no answers")
        return None
    return screen(questionnaire, answers, locale)


def _treatment(repository: AbstractRepository, booking: Booking) -> TreatmentSpec:
    treatment = repository.treatment(booking.treatment)
    if treatment is None:
        raise InvalidRequest(f"treatment {booking.treatment!r} is no longer in the catalog")
    return treatment


def give_answers(
    repository: AbstractRepository, booking: Booking, answers: Mapping[str, str], now: datetime, defaults: BookingRules
) -> Screening:
    """New answers from the client until the visit. `refer` changes nothing (Referred); the same answers
    again change nothing; a `review` answer puts a confirmed booking back into review, and any change
    while in review is announced again, so the therapist never approves answers they have not seen."""
    treatment = _treatment(repository, booking)
    screening = screen_request(repository, treatment, answers, booking.client.locale)
    if screening is None:
        raise InvalidRequest(f"{treatment.name} asks no intake questions")
    booking.check_answerable(now)
    kept = repository.answers(booking.id)
    if kept is not None and (kept.version, _given(kept)) == (screening.version, _given(screening)):
        return screening
    booking.answered(screening.outcome, screening.version, now)
    repository.keep_answers(booking.id, screening)
    repository.save(booking)
    event = AnswersChanged(booking_id=booking.id, questionnaire_version=screening.version, outcome=screening.outcome)
    repository.announce(event, booking.correlation_id)
    if booking.status is Status.NEEDS_REVIEW:
        facts = slot_facts(repository, booking, treatment, booked_rules(repository, booking.location, defaults))
        repository.announce(BookingHeldForReview(again=True, **facts), booking.correlation_id)
    return screening


def _given(screening: Screening) -> list[tuple[str, str]]:
    return [(a.question, a.answer) for a in screening.answers]


def erase(repository: AbstractRepository, booking: Booking) -> bool:
    """Forget a booking's answers (the client asked, or their time is up); the outcome stays on the booking."""
    if not repository.erase_answers(booking.id):
        return False
    event = AnswersChanged(booking_id=booking.id, questionnaire_version=None, outcome=None, erased=True)
    repository.announce(event, booking.correlation_id)
    return True


def erase_expired(transactions: Transactions, ended_before: datetime) -> int:
    """Erase the answers of every visit that ended before `ended_before`; returns how many."""
    with transactions() as repository:
        ids = repository.answered_visits_ended_before(ended_before)
        for booking_id in ids:
            booking = repository.get(booking_id)
            if booking is not None:
                erase(repository, booking)
    return len(ids)


def approve(repository: AbstractRepository, booking: Booking, defaults: BookingRules) -> None:
    """A therapist looked at the answers: confirmed, and the client gets their confirmation."""
    booking.approve()
    repository.save(booking)
    rules = booked_rules(repository, booking.location, defaults)
    facts = slot_facts(repository, booking, _treatment(repository, booking), rules)
    repository.announce(BookingConfirmed(after_review=True, **facts), booking.correlation_id)


def decline(
    repository: AbstractRepository, booking: Booking, reason: str, defaults: BookingRules, automatic: bool = False
) -> None:
    """Not approved: every claim released, the client told why and offered the questionnaire's alternative."""
    therapist = booking.therapist
    booking.decline(reason)
    repository.release_claims(booking.id)
    repository.save(booking)
    treatment = repository.treatment(booking.treatment)
    questionnaire = repository.questionnaire(booking.treatment)
    repository.announce(
        BookingDeclined(
            booking_id=booking.id,
            booking_version=booking.version,
            treatment=booking.treatment,
            treatment_name=treatment.name if treatment else booking.treatment,
            start=booking.start,
            timezone=booked_rules(repository, booking.location, defaults).tz.key,
            location=booking.location,
            reason=reason,
            automatic=automatic,
            alternative=questionnaire.alternative if questionnaire else None,
            therapist_code=therapist,
            client=ClientContact(**asdict(booking.client)),
        ),
        booking.correlation_id,
    )


def decline_unreviewed(transactions: Transactions, starting_before: datetime, defaults: BookingRules) -> int:
    """Decline every booking still in review that starts before `starting_before`, each in a transaction
    of its own (one that fails is logged and does not hold back the others); returns how many."""
    with transactions() as repository:
        ids = [b.id for b in repository.in_review(starting_before=starting_before)]
    declined = 0
    for booking_id in ids:
        try:
            with transactions() as repository:
                booking = repository.get(booking_id, lock=True)
                if booking is not None and booking.status is Status.NEEDS_REVIEW:  # approved meanwhile: leave it
                    decline(repository, booking, NOT_REVIEWED_IN_TIME, defaults, automatic=True)
                    declined += 1
        except Exception:
            log.exception("could not decline booking %s after its review deadline", booking_id)
    return declined
