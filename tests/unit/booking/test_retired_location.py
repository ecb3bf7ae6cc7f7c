"""A retired location on the fake: its bookings keep its own rules (time zone) and can be moved to an open
location, never within it; new bookings there are refused; a catalog entry out of range is not kept."""

from __future__ import annotations

import pytest

from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Client
from services.booking.service_layer import catalog_copy, changes, saga
from shared.events import Envelope, LocationPublished, ResourcePublished, TherapistPublished, TreatmentPublished
from tests.support.clock import FixedClock
from tests.unit.booking.conftest import CUPPING, NOW, RULES, TUESDAY, at, publish, weekdays
from tests.unit.booking.fakes import FakeRepository

LONDON = "Europe/London"  # not the defaults' zone: the booking must keep its location's


def main(revision: int = 1, active: bool = True) -> LocationPublished:
    return LocationPublished(code="main", revision=revision, name="Main", timezone=LONDON, active=active)


@pytest.fixture
def sites(repository: FakeRepository) -> FakeRepository:
    kept = FakeRepository(FixedClock(NOW))
    kept.copies = repository.copies
    for event in (main(), LocationPublished(code="west", revision=1, name="West", timezone=LONDON)):
        catalog_copy.on_location_published(kept, Envelope.wrap(event, "catalog"))
    publish(
        kept,
        ResourcePublished(code="room-w", revision=1, kind="room", name="Room W", location="west"),
        ResourcePublished(code="kit-w", revision=1, kind="cupping_kit", name="Kit W", location="west"),
        TherapistPublished(
            code="wera", revision=1, name="Wera", email="wera@clinic.example", location="west",
            skills=["medical_massage", "cupping"], weekly_hours=weekdays("08:00", "18:00"),
        ),
    )  # fmt: skip
    return kept


def confirmed_at_main(sites: FakeRepository) -> str:
    request = changes.BookingRequest(
        treatment=CUPPING, start=at(TUESDAY, 10), client=Client(name="Maria", email="maria@example.com"),
        correlation_id="t", location="main",
    )  # fmt: skip
    booking, _ = changes.request_booking(sites, request, RULES, NOW)
    saga.place(sites, booking.id, RULES)
    return booking.id


def retire_main(sites: FakeRepository) -> None:
    catalog_copy.on_location_published(sites, Envelope.wrap(main(2, active=False), "catalog"))


def test_a_booking_at_a_retired_location_keeps_its_time_zone(sites: FakeRepository) -> None:
    confirmed_at_main(sites)
    retire_main(sites)
    assert catalog_copy.booked_rules(sites, "main", RULES).tz.key == LONDON
    assert catalog_copy.site_rules(sites, "main", RULES).location == "main"
    with pytest.raises(InvalidRequest, match="closed"):
        catalog_copy.location_rules(sites, "main", RULES)


def test_a_booking_at_a_retired_location_moves_only_to_an_open_one(sites: FakeRepository) -> None:
    booking_id = confirmed_at_main(sites)
    retire_main(sites)
    booking = sites.get(booking_id)
    assert booking is not None and booking.status.value == "confirmed"
    with pytest.raises(InvalidRequest, match=r"closed.*west"):
        changes.reschedule(sites, booking, at(TUESDAY, 11), RULES, NOW)
    changes.reschedule(sites, booking, at(TUESDAY, 11), RULES, NOW, location="west")
    moved = sites.get(booking_id)
    assert moved is not None
    assert (moved.location, moved.resources, moved.therapist) == (
        "west",
        {"room": "room-w", "cupping_kit": "kit-w"},
        "wera",
    )
    assert {code for _, code, _ in sites.claims_of(booking_id)} == {"room-w", "kit-w", "wera"}


def test_a_treatment_published_out_of_range_is_not_kept(repository: FakeRepository) -> None:
    before = repository.treatment(CUPPING)
    assert before is not None
    huge = TreatmentPublished(**{**before.__dict__, "revision": 2, "buffer_minutes": {"room": 5_000_000_000_000}})
    catalog_copy.on_treatment_published(repository, Envelope.wrap(huge, "catalog"))
    assert repository.treatment(CUPPING) == before
