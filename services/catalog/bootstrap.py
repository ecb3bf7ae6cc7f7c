"""The one place that wires the catalog: database, outbox publisher. Nothing connects at import."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine

from services.catalog.config import get_settings
from shared.db import SessionFactory, make_engine, make_session_factory


@lru_cache
def session_factory() -> SessionFactory:
    return make_session_factory(engine())


@lru_cache
def read_session_factory() -> SessionFactory:
    return make_session_factory(engine(), read_only=True)


@lru_cache
def engine() -> Engine:
    return make_engine(get_settings().database_url)
