"""The transactional outbox and inbox on a real database: nothing published that was not committed,
nothing lost when the broker fails, nothing handled twice, and old records purged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.booking.adapters.orm import outbox
from shared.db import SessionFactory, transaction
from shared.events import BookingRequested, Envelope
from shared.observability import RELAY_LAG_SECONDS
from tests.support.clock import now

START = datetime.fromisoformat("2026-12-01T13:00:00+01:00")


def requested(booking_id: str = "b-1") -> BookingRequested:
    return BookingRequested(booking_id=booking_id, treatment="back-leg-cupping", start=START, end=START)


def unpublished(factory: SessionFactory) -> int:
    return outbox.backlog(factory)[0]


def test_an_event_of_a_rolled_back_change_is_never_published(booking_factory: SessionFactory) -> None:
    before = unpublished(booking_factory)
    with pytest.raises(RuntimeError), transaction(booking_factory) as session:
        outbox.add(session, requested(), "c-1")
        raise RuntimeError("the change failed")
    assert unpublished(booking_factory) == before


def test_a_broker_failure_leaves_the_event_for_the_next_relay(booking_factory: SessionFactory) -> None:
    with transaction(booking_factory) as session:
        event = outbox.add(session, requested("b-2"), "c-2")

    def broker_down(task: str, envelope: dict[str, Any]) -> None:
        raise ConnectionError("redis is down")

    with pytest.raises(ConnectionError):
        outbox.relay(booking_factory, broker_down)
    sent: list[tuple[str, dict[str, Any]]] = []
    assert outbox.relay(booking_factory, lambda task, envelope: sent.append((task, envelope))) >= 1
    assert ("booking.reserve_resources", event.event_id) in [(t, e["event_id"]) for t, e in sent]
    assert unpublished(booking_factory) == 0


def test_an_event_is_handled_once_however_often_it_arrives(booking_factory: SessionFactory) -> None:
    event = Envelope.wrap(requested("b-3"), "c-3")
    handled: list[str] = []
    results = [
        outbox.consume_once(booking_factory, "booking.test_consumer", event.model_dump(mode="json"),
                            lambda _session, e: handled.append(e.event_id))
        for _ in range(3)
    ]  # fmt: skip
    assert results == [True, False, False] and handled == [event.event_id]


def test_old_records_are_purged_and_recent_ones_kept(booking_factory: SessionFactory) -> None:
    with transaction(booking_factory) as session:
        outbox.add(session, requested("b-4"), "c-4")
    outbox.relay(booking_factory, lambda task, envelope: None)
    outbox.consume_once(
        booking_factory, "booking.test_purge", Envelope.wrap(requested("b-5"), "c-5"), lambda s, e: None
    )
    with transaction(booking_factory) as session:  # make everything so far older than a week
        session.execute(update(outbox.outbox).values(published_at=now() - timedelta(days=8)))
        session.execute(update(outbox.inbox).values(handled_at=now() - timedelta(days=8)))
        outbox.add(session, requested("b-6"), "c-6")  # not yet published: never purged
    assert outbox.purge(booking_factory, timedelta(days=7)) >= 2
    with transaction(booking_factory) as session:
        left = session.execute(select(func.count()).select_from(outbox.outbox)).scalar_one()
        remembered = session.execute(select(func.count()).select_from(outbox.inbox)).scalar_one()
    assert (left, remembered, unpublished(booking_factory)) == (1, 0, 1)


def test_an_event_gets_one_second_chance_a_few_minutes_after_it_went_out(booking_factory: SessionFactory) -> None:
    with transaction(booking_factory) as session:
        event = outbox.add(session, requested("b-7"), "c-7")
    outbox.relay(booking_factory, lambda task, envelope: None)
    again: list[str] = []

    def resend() -> int:
        return outbox.resend_recent(booking_factory, lambda task, envelope: again.append(envelope["event_id"]),
                                    after=timedelta(minutes=2), within=timedelta(minutes=30))  # fmt: skip

    assert resend() == 0  # too fresh: it is most likely still on its way
    with transaction(booking_factory) as session:
        session.execute(update(outbox.outbox).values(published_at=now() - timedelta(minutes=3)))
    assert resend() == 1 and again == [event.event_id]
    assert resend() == 0  # one second chance, not a stream of copies


def test_each_published_event_is_timed_from_its_creation(booking_factory: SessionFactory) -> None:
    outbox.relay(booking_factory, lambda task, envelope: None)  # whatever earlier tests left
    before = relay_lag_count()
    with transaction(booking_factory) as session:
        outbox.add(session, requested("b-lag-1"), "c-lag")
        outbox.add(session, requested("b-lag-2"), "c-lag")

    assert outbox.relay(booking_factory, lambda task, envelope: None) == 2
    assert relay_lag_count() - before == 2
    assert outbox.relay(booking_factory, lambda task, envelope: None) == 0  # nothing more to time
    assert relay_lag_count() - before == 2


def relay_lag_count() -> float:
    samples = [s for metric in RELAY_LAG_SECONDS.collect() for s in metric.samples if s.name.endswith("_count")]
    return sum(s.value for s in samples)
