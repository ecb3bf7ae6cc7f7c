from __future__ import annotations

from email.utils import parseaddr

from pydantic import Field

from shared.settings import BaseServiceSettings


class BookingSettings(BaseServiceSettings):
    database_url: str = Field("sqlite:///var/booking.db", alias="BOOKING_DATABASE_URL")
    slot_grid_minutes: int = Field(15, alias="BOOKING_SLOT_GRID_MINUTES", gt=0)
    min_notice_minutes: int = Field(120, alias="BOOKING_MIN_NOTICE_MINUTES", ge=0)
    max_advance_days: int = Field(60, alias="BOOKING_MAX_ADVANCE_DAYS", gt=0)
    free_cancellation_hours: int = Field(24, alias="BOOKING_FREE_CANCELLATION_HOURS", ge=0)
    # A booking still pending after this long is driven on (or rejected) by the scheduler.
    stale_pending_seconds: int = Field(60, alias="BOOKING_STALE_PENDING_SECONDS", gt=0)
    # A booking still waiting for a therapist's review this long before its start is declined.
    review_deadline_minutes: int = Field(60, alias="BOOKING_REVIEW_DEADLINE_MINUTES", ge=0)
    # Intake (health) answers are erased this long after the visit.
    answers_retention_days: int = Field(90, alias="BOOKING_ANSWERS_RETENTION_DAYS", ge=0)
    # Read only for its domain: a booking's calendar download takes the UID notifications gives the same
    # visit in its emails (`<booking id>@<domain>`), so a calendar app keeps one entry, not two.
    mail_from: str = Field("Clinic bookings <bookings@clinic.example>", alias="MAIL_FROM")

    @property
    def calendar_domain(self) -> str:
        """The domain calendar UIDs are made under: MAIL_FROM's, as notifications does."""
        sender = parseaddr(self.mail_from)[1] or "bookings@clinic.invalid"
        return sender.rpartition("@")[2] or "clinic.invalid"
