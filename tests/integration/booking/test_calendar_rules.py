"""The clinic's real calendar: breaks, time off, opening hours, locations in other time zones, and the
days the clocks change. Checked on the booking service's own data, as availability and the saga see it."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking.adapters.repository import SqlRepository
from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Booking, Client, Status
from services.booking.service_layer import catalog_copy, changes, saga
from services.booking.service_layer.availability import AvailabilityQuery, availability
from services.catalog.domain import seed
from services.catalog.domain.model import Location, Resource, Therapist, TimeOff, WeeklyHours
from shared.db import SessionFactory, transaction
from shared.events import Envelope, LocationPublished, ResourcePublished, TherapistPublished, TreatmentPublished
from tests.integration.booking.test_lifecycle import RULES, book
from tests.support.clock import SATURDAY, at, next_clock_change, next_weekday, now, working_day

ANNA = next(t for t in seed.THERAPISTS if t.code == "anna-keller")
LONDON = ZoneInfo("Europe/London")


def publish(factory: SessionFactory, entry: Therapist | Location | Resource, revision: int = 2) -> None:
    """What the booking service does when catalog announces a change."""
    with transaction(factory) as session:
        repository = SqlRepository(session)
        if isinstance(entry, Therapist):
            payload = TherapistPublished(revision=revision, **asdict(entry))
            catalog_copy.on_therapist_published(repository, Envelope.wrap(payload, "t"))
        elif isinstance(entry, Location):
            place = LocationPublished(revision=revision, **asdict(entry))
            catalog_copy.on_location_published(repository, Envelope.wrap(place, "t"))
        else:
            thing = ResourcePublished(revision=revision, **asdict(entry))
            catalog_copy.on_resource_published(repository, Envelope.wrap(thing, "t"))


def free(factory: SessionFactory, day: date, therapist: str | None = None, location: str | None = None,
         treatment: str = "back-leg-cupping") -> list[datetime]:  # fmt: skip
    query = AvailabilityQuery(treatment, day, therapist=therapist, location=location)
    with transaction(factory) as session:
        return availability(SqlRepository(session), query, RULES, now())


def test_a_therapists_lunch_break_is_never_booked(booking_factory: SessionFactory) -> None:
    day = working_day(3)
    annas = free(booking_factory, day, therapist="anna-keller")
    assert at(day, 11, 15) in annas  # ends 12:00, as the break starts
    assert at(day, 11, 30) not in annas and at(day, 12) not in annas and at(day, 12, 15) not in annas
    assert at(day, 12, 30) in annas


def test_time_off_removes_the_therapists_slots_as_soon_as_it_is_announced(booking_factory: SessionFactory) -> None:
    day, next_working_day = working_day(4), working_day(5)
    assert at(day, 9) in free(booking_factory, day, therapist="anna-keller")
    whole_day = TimeOff(start=at(day, 0).isoformat(), end=at(day + timedelta(days=1), 0).isoformat(), note="sick")
    publish(booking_factory, replace(ANNA, time_off=[whole_day]))
    assert free(booking_factory, day, therapist="anna-keller") == []
    assert free(booking_factory, next_working_day, therapist="anna-keller")  # only that day
    rejected = book(booking_factory, at(day, 9), therapist="anna-keller")
    assert rejected.status is Status.REJECTED


def test_part_of_a_day_off_only_removes_the_times_it_touches(booking_factory: SessionFactory) -> None:
    day = working_day(5)
    dentist = TimeOff(start=at(day, 14).isoformat(), end=at(day, 16).isoformat())
    publish(booking_factory, replace(ANNA, time_off=[dentist]))
    annas = free(booking_factory, day, therapist="anna-keller")
    assert at(day, 13) in annas and at(day, 13, 15) in annas  # 13:15-14:00 ends as she leaves
    assert at(day, 13, 30) not in annas and at(day, 15) not in annas


def test_nothing_is_booked_outside_the_locations_opening_hours(booking_factory: SessionFactory) -> None:
    saturday = next_weekday(SATURDAY)
    slots = free(booking_factory, saturday, therapist="ben-okafor")  # Ben works Saturdays 09:00-14:00
    assert at(saturday, 9) in slots and at(saturday, 13, 15) in slots
    assert at(saturday, 13, 30) not in slots  # would end 14:15, after closing
    with pytest.raises(InvalidRequest, match="closed"):
        book(booking_factory, at(saturday, 19))


def _open_london(factory: SessionFactory, max_advance_days: int = 60, sundays: bool = False) -> None:
    days = range(7) if sundays else range(5)
    publish(factory, Location(code="london", name="Clinic London", timezone="Europe/London",
                              max_advance_days=max_advance_days,
                              opening_hours=[WeeklyHours(d, "09:00", "18:00") for d in days]), revision=1)  # fmt: skip
    publish(factory, Resource(code="ldn-room-1", kind="room", name="London room 1", location="london"), revision=1)
    publish(factory, Resource(code="ldn-kit-1", kind="cupping_kit", name="London kit 1", location="london"), revision=1)
    publish(factory, Therapist(code="emma-hart", name="Emma Hart", email="emma@clinic.example",
                               skills=["medical_massage", "cupping"], location="london",
                               weekly_hours=[WeeklyHours(d, "09:00", "18:00") for d in days]), revision=1)  # fmt: skip


def test_a_second_location_books_in_its_own_time_zone_with_its_own_rooms(booking_factory: SessionFactory) -> None:
    _open_london(booking_factory)
    day = working_day(4)
    london = free(booking_factory, day, location="london")
    first = london[0]
    assert first.astimezone(LONDON).time() == time(9) and first == datetime.combine(day, time(9), LONDON)
    with pytest.raises(InvalidRequest, match="choose a location: london, main"):
        free(booking_factory, day)
    booking = _book_at(booking_factory, first, "london")
    assert booking.status is Status.CONFIRMED
    assert booking.resources == {"room": "ldn-room-1", "cupping_kit": "ldn-kit-1"} and booking.therapist == "emma-hart"
    assert first not in free(booking_factory, day, location="london")
    assert at(day, 13) in free(booking_factory, day, location="main")  # Berlin is unaffected


def _book_at(factory: SessionFactory, start: datetime, location: str) -> Booking:
    client = Client(name="Amy", email="amy@example.com")
    request = changes.BookingRequest(
        treatment="back-leg-cupping", start=start, location=location, client=client, correlation_id="t"
    )
    with transaction(factory) as session:
        booking, _ = changes.request_booking(SqlRepository(session), request, RULES, now())
    with transaction(factory) as session:  # as the booking worker does
        saga.place(SqlRepository(session), booking.id, RULES)
    with transaction(factory) as session:
        return changes.get_booking(SqlRepository(session), booking.id, None)


@pytest.mark.parametrize("month", [3, 10])
def test_nine_oclock_means_nine_oclock_on_the_days_the_clocks_change(
    booking_factory: SessionFactory, month: int
) -> None:
    _open_london(booking_factory, max_advance_days=400, sundays=True)
    change = next_clock_change(month)
    before = change - timedelta(days=1)
    for day in (before, change):
        slots = free(booking_factory, day, location="london")
        assert slots[0] == datetime.combine(day, time(9), LONDON), day
        assert slots[-1].astimezone(LONDON).time() == time(17, 15)  # 45 minutes before closing
    # In spring London moves from UTC+0 to UTC+1, in autumn back: 09:00 is a different UTC hour on each side.
    utc_hours = {day: datetime.combine(day, time(9), LONDON).astimezone(UTC).hour for day in (before, change)}
    assert utc_hours[before] != utc_hours[change]
    booking = _book_at(booking_factory, datetime.combine(change, time(9), LONDON), "london")
    assert booking.status is Status.CONFIRMED
    assert booking.start.astimezone(LONDON).time() == time(9)


def test_a_treatment_needing_two_rooms_holds_two_and_is_listed_only_when_two_are_free(
    booking_factory: SessionFactory,
) -> None:
    couples = replace(
        seed.BACK_NECK, slug="couples-back-neck", name="Couples Back & Neck", required_resources={"room": 2}
    )
    with transaction(booking_factory) as session:
        values = {k: v for k, v in asdict(couples).items() if k != "details"}
        event = Envelope.wrap(TreatmentPublished(revision=1, **values), "t")
        catalog_copy.on_treatment_published(SqlRepository(session), event)
    day = working_day(6)
    booking = book(booking_factory, at(day, 10), treatment="couples-back-neck")
    assert booking.status is Status.CONFIRMED
    assert set(booking.resources) == {"room", "room#2"} and len(set(booking.resources.values())) == 2
    assert at(day, 10) in free(booking_factory, day, treatment="back-neck")  # the third room is still free
    assert at(day, 10) not in free(booking_factory, day, treatment="couples-back-neck")  # but not a second pair
    with transaction(booking_factory) as session:
        changes.reschedule(SqlRepository(session), booking, at(day, 15), RULES, now())
    assert at(day, 10) in free(booking_factory, day, treatment="couples-back-neck")
