"""One service as its API process would run it: its settings read from a fresh environment, its own
database migrated, and every cache that holds the old settings or connections emptied again afterwards."""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from ops.migrate import migrate
from shared.db import SessionFactory, make_engine, make_session_factory


@dataclass(frozen=True)
class ServiceDatabase:
    url: str
    db: Engine  # the test's own connection, beside the app's
    staff_key: str  # ADMIN_API_KEY as the app reads it

    def writer(self) -> SessionFactory:
        return make_session_factory(self.db)


@contextmanager
def service_database(service: str, url: str, env: dict[str, str] | None = None) -> Iterator[ServiceDatabase]:
    """Point `services.<service>` at `url` (plus `env`) with a random staff key, migrated; undone on exit."""
    config = importlib.import_module(f"services.{service}.config")
    bootstrap = importlib.import_module(f"services.{service}.bootstrap")

    def forget() -> None:  # for services that still read settings at import (being moved to explicit wiring)
        if hasattr(config, "get_settings"):
            config.get_settings.cache_clear()
        if hasattr(bootstrap, "database"):
            bootstrap.database.reset()

    staff_key = f"test-staff-{secrets.token_urlsafe(16)}"
    patch = pytest.MonkeyPatch()
    for name, value in {f"{service.upper()}_DATABASE_URL": url, "ADMIN_API_KEY": staff_key, **(env or {})}.items():
        patch.setenv(name, value)
    forget()
    db = make_engine(url)
    try:
        migrate(service, url)
        yield ServiceDatabase(url=url, db=db, staff_key=staff_key)
    finally:
        forget()
        db.dispose()
        patch.undo()
