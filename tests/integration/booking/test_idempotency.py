"""Two requests with one Idempotency-Key racing each other make one booking, on both databases."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.exceptions import AlreadyRequested
from services.booking.domain.model import Client
from services.booking.service_layer import changes
from shared.db import SessionFactory, transaction
from tests.integration.booking.test_lifecycle import RULES
from tests.support.clock import at, now, working_day


def test_the_twin_that_loses_the_race_answers_with_the_winners_booking(booking_factory: SessionFactory) -> None:
    key = (f"key-{uuid.uuid4()}", "fingerprint-of-the-request")
    request = changes.BookingRequest(
        treatment="back-leg-cupping", start=at(working_day(3), 13),
        client=Client(name="Twin", email="twin@example.com"), correlation_id="twin",
    )  # fmt: skip
    inserted = threading.Event()
    answers: dict[str, object] = {}

    def first() -> None:
        with transaction(booking_factory) as session:
            answers["first"] = changes.request_booking(SqlRepository(session), request, RULES, now(), key)[0].id
            inserted.set()  # holds its transaction open a moment while the twin tries
            threading.Event().wait(0.5)

    def twin() -> None:
        inserted.wait(10)
        try:
            with transaction(booking_factory) as session:
                changes.request_booking(SqlRepository(session), request, RULES, now(), key)
            answers["twin"] = "made a second booking"
        except AlreadyRequested:
            with transaction(booking_factory) as session:
                replayed = changes.replay(SqlRepository(session), *key)
            answers["twin"] = replayed[0].id if replayed else None

    threads = [threading.Thread(target=first), threading.Thread(target=twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers["twin"] == answers["first"]
    with transaction(booking_factory) as session:
        count = session.execute(select(func.count()).where(orm.booking.c.idempotency_key == key[0])).scalar_one()
    assert count == 1
