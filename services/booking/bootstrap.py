"""The one place that wires the booking service. Nothing connects at import."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from sqlalchemy import Engine

from services.booking.config import get_settings
from services.booking.domain.calendar import BookingRules
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


def rules() -> BookingRules:
    settings = get_settings()
    return BookingRules(
        tz=settings.tz,
        grid_minutes=settings.slot_grid_minutes,
        min_notice=timedelta(minutes=settings.min_notice_minutes),
        max_advance=timedelta(days=settings.max_advance_days),
    )
