"""The runs availability reads (claim_span) stay in step with the claim rows that guarantee no double
booking: after bookings, a reschedule onto an overlapping slot, a refused reschedule and cancellations,
every booking's runs are exactly its claimed cells, and availability agrees with the walk over cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select

from ops.migrate import alembic_config, migrate
from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.allocation import available_starts
from services.booking.domain.calendar import SPAN_CELLS, cell_runs
from services.booking.domain.exceptions import SlotUnavailable
from services.booking.domain.model import Status
from services.booking.service_layer import changes
from services.booking.service_layer.availability import AvailabilityQuery, availability
from shared.db import SessionFactory, make_engine, transaction
from tests.integration.booking.conftest import booking_database
from tests.integration.booking.test_lifecycle import POLICY, RULES, book, fetch
from tests.support import servers
from tests.support.clock import at, now, working_day


def runs_match_claims(factory: SessionFactory) -> None:
    """Each booking's runs cover exactly its claimed cells, each cell once, none longer than SPAN_CELLS."""
    with transaction(factory) as session:
        claims = session.execute(select(orm.claim.c.booking_id, orm.claim.c.kind, orm.claim.c.code, orm.claim.c.cell))
        spans = list(session.execute(select(orm.claim_span)))
        claimed = sorted((booking_id, kind, code, cell) for booking_id, kind, code, cell in claims)
    covered = sorted(
        (s.booking_id, s.kind, s.code, cell) for s in spans for cell in range(s.first_cell, s.last_cell + 1)
    )
    assert covered == claimed and all(s.last_cell - s.first_cell < SPAN_CELLS for s in spans)


def test_runs_follow_the_claims_through_a_bookings_life(booking_factory: SessionFactory) -> None:
    day = working_day(4)
    first, second, third = (book(booking_factory, at(day, hour)) for hour in (13, 13, 10))  # both kits at 13:00
    assert {first.status, second.status, third.status} == {Status.CONFIRMED}
    runs_match_claims(booking_factory)
    with transaction(booking_factory) as session:  # onto an overlapping slot: most of its cells kept
        changes.reschedule(SqlRepository(session), fetch(booking_factory, first.id), at(day, 13, 15), RULES, now())
    runs_match_claims(booking_factory)
    with pytest.raises(SlotUnavailable), transaction(booking_factory) as session:  # no kit then
        changes.reschedule(SqlRepository(session), fetch(booking_factory, third.id), at(day, 13, 30), RULES, now())
    runs_match_claims(booking_factory)
    with transaction(booking_factory) as session:
        changes.cancel(SqlRepository(session), fetch(booking_factory, second.id), now(), POLICY, by_clinic=True)
    runs_match_claims(booking_factory)
    with transaction(booking_factory) as session:
        repository = SqlRepository(session)
        treatment = repository.treatment("back-leg-cupping")
        assert treatment is not None
        taken = repository.taken_cells(0, 2**40)
        walk = available_starts(treatment, RULES, day, now(), repository.resources(), repository.therapists(), taken)
        listed = availability(repository, AvailabilityQuery("back-leg-cupping", day), RULES, now())
    assert listed == walk and at(day, 13, 30) in listed  # the cancelled booking's kit is free again


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migration_writes_the_runs_of_the_claims_held_before_it(
    backend: str, tmp_path: Path, postgres_admin: servers.Server | None
) -> None:
    url, drop = booking_database(backend, tmp_path, postgres_admin)
    command.upgrade(alembic_config("booking", url), "0007")
    engine = make_engine(url)
    moment = now()
    held = {"room": [*range(100, 111), *range(120, 125)], "therapist": list(range(1000, 1130))}  # a gap, a long run
    try:
        with engine.begin() as connection:
            for booking_id in ("a", "b"):
                connection.execute(
                    insert(orm.booking).values(
                        id=booking_id, treatment="t", start_at=moment, end_at=moment, status="confirmed", version=1,
                        client_name="P", client_email="p@example.com", token_hash="x", resources={},
                        correlation_id="c", created_at=moment, updated_at=moment,
                    )
                )  # fmt: skip
                rows = [
                    {"kind": kind, "code": f"{kind}-{booking_id}", "cell": cell, "booking_id": booking_id}
                    for kind, cells in held.items()
                    for cell in cells
                ]
                connection.execute(insert(orm.claim), rows)
        migrate("booking", url)
        with engine.connect() as connection:
            stored = {tuple(row) for row in connection.execute(select(orm.claim_span))}
    finally:
        engine.dispose()
        drop()  # type: ignore[operator]
    expected = {
        (kind, f"{kind}-{booking_id}", first, last, booking_id)
        for booking_id in ("a", "b")
        for kind, cells in held.items()
        for first, last in cell_runs(cells)
    }
    assert stored == expected and len(expected) == 2 * (2 + 3)
