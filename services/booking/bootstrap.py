"""The one place that wires the booking service: settings, database, clock, publisher and the default
booking rules, built once per process by whoever starts it (the API, the worker, a test). Nothing
connects at import or when wired: the database and the broker are reached on first use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.booking.adapters.repository import SqlRepository, Transactions
from services.booking.config import BookingSettings
from services.booking.domain.calendar import BookingRules
from shared.celery import producer
from shared.clock import Clock, system_clock
from shared.db import Database, transactions
from shared.outbox import Publish


@dataclass(frozen=True)
class Wiring:
    settings: BookingSettings
    database: Database
    clock: Clock
    publish: Publish
    rules: BookingRules  # where a location's catalog entry says nothing

    def transactions(self) -> Transactions:
        """Repositories each on a transaction of their own, in the booking database."""
        return transactions(self.database.session_factory(), lambda session: SqlRepository(session, self.clock))


def default_rules(settings: BookingSettings) -> BookingRules:
    return BookingRules(
        tz=settings.tz,
        grid_minutes=settings.slot_grid_minutes,
        min_notice=timedelta(minutes=settings.min_notice_minutes),
        max_advance=timedelta(days=settings.max_advance_days),
    )


def bootstrap(
    settings: BookingSettings | None = None, clock: Clock = system_clock, publish: Publish | None = None
) -> Wiring:
    """Everything the entrypoints use; `settings` from the environment and a producer-only publisher
    unless given."""
    settings = settings or BookingSettings()
    return Wiring(
        settings=settings,
        database=Database(lambda: settings.database_url),
        clock=clock,
        publish=publish or producer("booking", settings),
        rules=default_rules(settings),
    )
