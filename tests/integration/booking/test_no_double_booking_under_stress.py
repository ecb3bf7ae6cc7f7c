"""Many processes book, reschedule, cancel, approve and decline (after review of intake answers) the
same few slots at once; afterwards no room, kit or therapist is in two bookings at overlapping times,
on SQLite and on PostgreSQL, whether a booking is confirmed or held for review."""

from __future__ import annotations

import multiprocessing
import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import create_engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from services.booking.adapters import orm
from services.booking.adapters.repository import AbstractRepository, SqlRepository
from services.booking.domain.exceptions import BookingError
from services.booking.domain.model import Booking, Client, Status
from services.booking.service_layer import catalog_copy, changes, intake, saga
from shared.db import SessionFactory, make_engine, make_session_factory, transaction
from shared.events import Envelope, QuestionnairePublished
from tests.integration.booking.test_availability_property import THINNERS
from tests.integration.booking.test_lifecycle import RULES
from tests.support.clock import at, now, working_day
from tests.support.invariants import claims_match_bookings, double_bookings

QUESTIONNAIRE = QuestionnairePublished(treatment="back-leg-cupping", revision=1, questions=[THINNERS])
PROCESSES = 4
OPERATIONS = 30
T = TypeVar("T")


def _retrying(factory: SessionFactory, work: Callable[[AbstractRepository], T]) -> T:
    """One transaction, tried again when the database says another transaction got in the way."""
    for attempt in range(20):
        try:
            with transaction(factory) as session:
                return work(SqlRepository(session))
        except DBAPIError:
            if attempt == 19:
                raise
    raise AssertionError("unreachable")


def _reschedule(repository: AbstractRepository, booking_id: str, start: datetime) -> None:
    changes.reschedule(repository, _get(repository, booking_id), start, RULES, now())


def _cancel(repository: AbstractRepository, booking_id: str) -> None:
    policy = changes.CancellationPolicy(RULES, free_until=timedelta(hours=24))
    changes.cancel(repository, _get(repository, booking_id), now(), policy, by_clinic=False)


def _review(repository: AbstractRepository, booking_id: str, approve: bool) -> None:
    booking = _get(repository, booking_id, lock=True)
    if approve:
        intake.approve(repository, booking, RULES)
    else:
        intake.decline(repository, booking, "not this time", RULES)


def _client_process(url: str, seed: int, slots: list[datetime]) -> Counter[str]:
    rng = random.Random(seed)
    factory = make_session_factory(make_engine(url))
    mine: list[str] = []
    done: Counter[str] = Counter()
    for _ in range(OPERATIONS):
        action = rng.choice(["book", "book", "reschedule", "cancel", "approve", "decline"]) if mine else "book"
        try:
            if action == "book":
                treatment = rng.choice(["back-leg-cupping", "back-leg-cupping", "back-neck"])
                answers = {"blood_thinners": rng.choice(["yes", "no"])} if treatment == "back-leg-cupping" else {}
                request = changes.BookingRequest(
                    treatment=treatment,
                    start=rng.choice(slots),
                    client=Client(name="Stress Test", email=f"{uuid.uuid4().hex[:8]}@example.com"),
                    correlation_id="stress",
                    answers=answers,  # "yes" holds the booking for review
                )
                booking, _ = _retrying(
                    factory, partial(changes.request_booking, request=request, defaults=RULES, now=now())
                )
                for step in (saga.reserve_resources, saga.assign_therapist):
                    _retrying(factory, partial(step, booking_id=booking.id, defaults=RULES))
                mine.append(booking.id)
            elif action == "reschedule":
                _retrying(factory, partial(_reschedule, booking_id=rng.choice(mine), start=rng.choice(slots)))
            elif action == "approve":
                _retrying(factory, partial(_review, booking_id=rng.choice(mine), approve=True))
            elif action == "decline":
                _retrying(factory, partial(_review, booking_id=rng.choice(mine), approve=False))
            else:
                _retrying(factory, partial(_cancel, booking_id=mine.pop(rng.randrange(len(mine)))))
            done[action] += 1
        except BookingError:
            done[f"{action} refused"] += 1
    return done


def _get(repository: AbstractRepository, booking_id: str, lock: bool = False) -> Booking:
    booking = repository.get(booking_id, lock)
    assert booking is not None
    return booking


def test_processes_racing_for_the_same_slots_never_double_book(booking_factory: SessionFactory) -> None:
    with transaction(booking_factory) as session:
        event = Envelope.wrap(QUESTIONNAIRE, "stress")
        catalog_copy.on_questionnaire_published(SqlRepository(session), event)
    url = booking_factory.kw["bind"].url.render_as_string(hide_password=False)
    day = working_day(5)
    slots = [at(day, 13), at(day, 13, 15), at(day, 13, 30), at(day, 14, 30)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(_client_process, [(url, seed, slots) for seed in range(PROCESSES)])
    totals = sum(results, Counter())

    engine = create_engine(url)
    assert totals["approve"] + totals["decline"] > 0  # reviews were done in the race too
    assert double_bookings(engine) == []
    assert claims_match_bookings(engine) == []
    with transaction(booking_factory) as session:
        statuses = Counter(b.status for b in _all(session))
    assert statuses[Status.PENDING] == 0
    assert statuses[Status.CONFIRMED] > 0 and totals["book"] > 0  # the race really happened
    assert totals["reschedule"] + totals["reschedule refused"] > 0 and totals["cancel"] > 0
    engine.dispose()


def _all(session: Session) -> list[Booking]:
    ids = session.execute(select(orm.booking.c.id)).scalars().all()
    return [_get(SqlRepository(session), i) for i in ids]
