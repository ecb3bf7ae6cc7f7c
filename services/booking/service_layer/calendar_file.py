"""A confirmed booking's calendar file, for the client (or staff) to download."""

from __future__ import annotations

from datetime import datetime

from services.booking.adapters.calendar import CalendarVisit, visit_ics
from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.calendar import BookingRules
from services.booking.domain.exceptions import IllegalTransition
from services.booking.domain.model import Booking, Status
from services.booking.service_layer.catalog_copy import booked_rules, display_names


def calendar_file(
    repository: AbstractRepository, booking: Booking, defaults: BookingRules, domain: str, now: datetime
) -> bytes:
    """One VEVENT for the visit; only a confirmed booking has a time worth putting in a calendar."""
    if booking.status is not Status.CONFIRMED:
        raise IllegalTransition(
            f"only a confirmed booking can be added to a calendar, this one is {booking.status.value}"
        )
    rules = booked_rules(repository, booking.location, defaults)
    treatment = repository.treatment(booking.treatment)
    name = treatment.name if treatment else booking.treatment
    therapist = display_names(repository).get(booking.therapist or "", booking.therapist or "")
    location = next((loc.name for loc in repository.known_locations() if loc.code == booking.location), "")
    visit = CalendarVisit(
        booking_id=booking.id,
        version=booking.version,
        start=booking.start,
        end=booking.end,
        tz=rules.tz,
        summary=name,
        location=location or booking.location,
        description=f"{name} with {therapist}" if therapist else name,
        stamp=now,
    )
    return visit_ics(visit, domain)
