"""A small clinic on the fake repository, at a fixed moment: one location in Berlin, two rooms, one
cupping kit, Anna (cupping) and Ben (medical massage only), weekdays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain.calendar import BookingRules
from services.booking.domain.model import Booking, Client
from services.booking.service_layer import catalog_copy, changes, saga
from shared.events import Envelope, ResourcePublished, TherapistPublished, TreatmentPublished, WeeklyHours
from tests.support.clock import FixedClock
from tests.unit.booking.fakes import FakeRepository

BERLIN = ZoneInfo("Europe/Berlin")
RULES = BookingRules(tz=BERLIN)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # a Monday morning
TUESDAY = date(2026, 6, 9)
CUPPING = "back-leg-cupping"
NECK = "back-neck"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN)


def publish(repository: FakeRepository, *events: TreatmentPublished | ResourcePublished | TherapistPublished) -> None:
    """What the booking worker does with the catalog's events."""
    handlers = {
        TreatmentPublished: catalog_copy.on_treatment_published,
        ResourcePublished: catalog_copy.on_resource_published,
        TherapistPublished: catalog_copy.on_therapist_published,
    }
    for event in events:
        handlers[type(event)](repository, Envelope.wrap(event, "catalog"))


def weekdays(start: str, end: str) -> list[WeeklyHours]:
    return [WeeklyHours(weekday=day, start=start, end=end) for day in range(5)]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def repository(clock: FixedClock) -> FakeRepository:
    repository = FakeRepository(clock)
    publish(
        repository,
        TreatmentPublished(
            slug=CUPPING, revision=1, name="Back & Leg + Cupping", duration_minutes=45,
            required_resources={"room": 1, "cupping_kit": 1}, required_skills=["medical_massage", "cupping"],
            buffer_minutes={"room": 10, "cupping_kit": 30, "therapist": 5},
        ),
        TreatmentPublished(
            slug=NECK, revision=1, name="Back & Neck", duration_minutes=30, required_resources={"room": 1},
            required_skills=["medical_massage"], buffer_minutes={"room": 5},
        ),
        ResourcePublished(code="room-1", revision=1, kind="room", name="Room 1", location="main"),
        ResourcePublished(code="room-2", revision=1, kind="room", name="Room 2", location="main"),
        ResourcePublished(code="kit-a", revision=1, kind="cupping_kit", name="Kit A", location="main"),
        TherapistPublished(
            code="anna", revision=1, name="Anna Keller", email="anna@clinic.example", location="main",
            skills=["medical_massage", "cupping"], weekly_hours=weekdays("08:00", "16:00"),
        ),
        TherapistPublished(
            code="ben", revision=1, name="Ben Okafor", email="ben@clinic.example", location="main",
            skills=["medical_massage"], weekly_hours=weekdays("12:00", "20:00"),
        ),
    )  # fmt: skip
    return repository


def ask(repository: FakeRepository, start: datetime, treatment: str = CUPPING) -> Booking:
    """A client asks for a slot: the booking is pending."""
    request = changes.BookingRequest(
        treatment=treatment, start=start, client=Client(name="Maria Schmidt", email="maria@example.com"),
        correlation_id="test",
    )  # fmt: skip
    booking, _ = changes.request_booking(repository, request, RULES, repository.clock.now())
    return booking


def book(repository: FakeRepository, start: datetime, treatment: str = CUPPING) -> Booking:
    """Ask, then run both saga steps as the workers would; the booking as stored afterwards."""
    booking = ask(repository, start, treatment)
    saga.reserve_resources(repository, booking.id, RULES)
    saga.assign_therapist(repository, booking.id, RULES)
    stored = repository.get(booking.id)
    assert stored is not None
    return stored
