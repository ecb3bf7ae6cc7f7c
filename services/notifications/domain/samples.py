"""Made-up facts for staff previews of messages without a booking."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.notifications.domain.messages import Kind
from services.notifications.domain.visit import ACTIVE, Visit

SAMPLE_BOOKING_ID = "00000000-0000-4000-8000-000000000000"


def sample_visit(timezone: str, today: date) -> Visit:
    """Tomorrow at 10:00 local time: a 45-minute cupping visit with Anna Keller."""
    start = datetime.combine(today + timedelta(days=1), time(10), ZoneInfo(timezone))
    return Visit(
        booking_id=SAMPLE_BOOKING_ID, version=2, status=ACTIVE, treatment="back-leg-cupping",
        treatment_name="Medical Massage: Back & Leg + Cupping", duration_minutes=45,
        start_at=start, end_at=start + timedelta(minutes=45), timezone=timezone, location="main",
        resource_names={"room": "Treatment room 1", "cupping_kit": "Cupping kit A"},
        therapist_code="anna-keller", therapist_name="Anna Keller", therapist_email="anna.keller@clinic.example",
        client_name="Maria Sample", client_email="maria@example.com", client_locale="en", short_reminder=False,
        changed_at=start - timedelta(days=2), screened=True,
    )  # fmt: skip


# What the kinds that are about more than the visit show in a preview.
SAMPLE_EXTRAS = {
    "by_clinic": False,
    "late": False,
    "free_cancellation_hours": 24,
    "reason": "no cupping kit is free at that time",
    "booking_url": "",
    "alternatives": [],
    "reassigned": False,
    "again": False,
    "staff_copy": False,
    "automatic": False,
}

# Where a kind's preview reads better with facts of its own.
SAMPLE_EXTRAS_OF: dict[Kind, dict[str, Any]] = {
    Kind.BOOKING_DECLINED: {"reason": "we would rather see you for a treatment without cupping"},
}

SAMPLE_ALTERNATIVE = "back-neck"  # what a declined sample offers instead (named from the catalog's copy)
