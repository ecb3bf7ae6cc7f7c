"""What ops watch of the booking service, read from its database at scrape time."""

from __future__ import annotations

from datetime import datetime

from services.booking.adapters.repository import AbstractRepository

Gauges = dict[str, tuple[str, list[str], list[tuple[list[str], float]]]]


def gauges(repository: AbstractRepository, now: datetime) -> Gauges:
    """Bookings by status, and how long the oldest pending one has waited (it should be seconds)."""
    by_status = repository.count_by_status()
    oldest = repository.oldest_pending()
    waited = (now - oldest).total_seconds() if oldest else 0.0
    return {
        "clinic_bookings": ("bookings by status", ["status"], [([status], n) for status, n in by_status.items()]),
        "clinic_oldest_pending_seconds": ("how long the oldest pending booking has waited", [], [([], waited)]),
    }
