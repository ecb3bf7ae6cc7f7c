"""The one place that wires the catalog: settings, database, clock. Nothing connects at import."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from services.catalog.adapters.accounts import Passwords
from services.catalog.adapters.repository import SqlRepository
from services.catalog.config import CatalogSettings
from shared.clock import Clock, system_clock
from shared.db import Database, transactions


@dataclass(frozen=True)
class Wiring:
    settings: CatalogSettings
    database: Database
    clock: Clock
    passwords: Passwords = field(default_factory=Passwords)

    def repository(self, session: Session) -> SqlRepository:
        return SqlRepository(session, self.clock)

    def unit_of_work(self) -> AbstractContextManager[SqlRepository]:
        """A repository in one transaction: committed when the block ends, rolled back on an exception."""
        return transactions(self.database.session_factory(), self.repository)()


def bootstrap(settings: CatalogSettings | None = None, clock: Clock = system_clock) -> Wiring:
    """Everything the catalog's entrypoints use; `settings` default to the environment's."""
    settings = settings or CatalogSettings()
    return Wiring(settings=settings, database=Database(lambda: settings.database_url), clock=clock)
