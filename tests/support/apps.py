"""A service's own database for a test: migrated, with the test's own connection beside the app's and a
random staff key. The test builds the app from explicit settings (`create_app(bootstrap(Settings(...)))`):
no test changes `os.environ` or re-imports a module."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from ops.migrate import migrate
from shared.db import SessionFactory, make_engine, make_session_factory


@dataclass(frozen=True)
class ServiceDatabase:
    url: str
    db: Engine  # the test's own connection, beside the app's
    staff_key: str  # for the app's settings (ADMIN_API_KEY)

    def writer(self) -> SessionFactory:
        return make_session_factory(self.db)


@contextmanager
def service_database(service: str, url: str) -> Iterator[ServiceDatabase]:
    """`services.<service>`'s database at `url`, migrated to the newest schema, and a random staff key."""
    db = make_engine(url)
    try:
        migrate(service, url)
        yield ServiceDatabase(url=url, db=db, staff_key=f"test-staff-{secrets.token_urlsafe(16)}")
    finally:
        db.dispose()
