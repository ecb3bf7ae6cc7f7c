"""The one place that wires the booking service. Nothing connects at import."""

from __future__ import annotations

from datetime import timedelta

from services.booking.config import get_settings
from services.booking.domain.calendar import BookingRules
from shared.db import Database

database = Database(lambda: get_settings().database_url)
session_factory = database.session_factory
read_session_factory = database.read_session_factory


def rules() -> BookingRules:
    settings = get_settings()
    return BookingRules(
        tz=settings.tz,
        grid_minutes=settings.slot_grid_minutes,
        min_notice=timedelta(minutes=settings.min_notice_minutes),
        max_advance=timedelta(days=settings.max_advance_days),
    )
