"""The front desk's day: rows, minutes and utilisation, on plain data and on the fake repository."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.booking.domain.calendar import BookingRules
from services.booking.domain.catalog import Resource, Therapist, WeeklyHours
from services.booking.domain.day_view import DayView, LocationCatalog, day_view, first_name
from services.booking.domain.model import Booking, Client, Status
from services.booking.domain.screening import Outcome
from services.booking.service_layer import changes, front_desk
from shared.events import LocationPublished
from shared.events import WeeklyHours as WireHours
from tests.support.clock import FixedClock, last_sunday
from tests.unit.booking.conftest import BERLIN, RULES, TUESDAY, at, book
from tests.unit.booking.fakes import FakeRepository

OPEN_8_TO_20 = BookingRules(
    tz=BERLIN, location="main", opening_hours=tuple(WeeklyHours(day, "08:00", "20:00") for day in range(5))
)


def therapist(code: str, start: str = "08:00", end: str = "16:00", **more: Any) -> Therapist:
    """A weekday therapist at `main`; `more` sets breaks, time off, location or active."""
    hours = tuple(WeeklyHours(day, start, end) for day in range(5))
    name, email = f"{code.title()} Test", f"{code}@clinic.example"
    return Therapist(code, name, email, frozenset({"medical_massage"}), hours, **more)


def visit(start: datetime, minutes: int = 45, status: Status = Status.CONFIRMED, **held: str) -> Booking:
    """A booking at `main`; `held` names its therapist and resources (therapist=, room=, cupping_kit=)."""
    therapist_code = held.pop("therapist", None)
    return Booking(
        id=f"b-{start.isoformat()}-{therapist_code}-{status.value}",
        treatment="back-leg-cupping",
        start=start.astimezone(UTC),
        end=(start + timedelta(minutes=minutes)).astimezone(UTC),
        client=Client(name="  Maria   Schmidt ", email="maria@example.com"),
        token_hash="x",
        correlation_id="c",
        status=status,
        resources=dict(held),
        therapist=therapist_code,
        screening=Outcome.OK if status is Status.CONFIRMED else None,
    )


CATALOG = LocationCatalog(
    therapists=[
        therapist(
            "anna",
            breaks=(WeeklyHours(TUESDAY.weekday(), "12:00", "12:30"),),
            time_off=((at(TUESDAY, 14), at(TUESDAY, 18)),),
        ),
        therapist("ben", "12:00", "20:00"),
        therapist("elsewhere", location="north"),
        therapist("gone", active=False),
    ],
    resources=[
        Resource("room-1", "room", "Room 1"),
        Resource("room-2", "room", "Room 2"),
        Resource("kit-a", "cupping_kit", "Kit A"),
        Resource("room-n", "room", "North room", location="north"),
    ],
    treatment_names={"back-leg-cupping": "Back & Leg + Cupping"},
)


def rows_by_code(view: DayView) -> dict[str, tuple[str, int, int, float]]:
    return {r.code: (r.kind, r.available_minutes, r.booked_minutes, r.utilisation) for r in view.rows}


def test_available_minutes_are_shifts_less_breaks_and_time_off_and_opening_hours_for_rooms_and_kits() -> None:
    view = day_view(TUESDAY, OPEN_8_TO_20, CATALOG, [])

    assert rows_by_code(view) == {
        "anna": ("therapist", 8 * 60 - 30 - 2 * 60, 0, 0.0),  # 08-16, break 12:00-12:30, away from 14:00
        "ben": ("therapist", 8 * 60, 0, 0.0),
        "room-1": ("room", 12 * 60, 0, 0.0),
        "room-2": ("room", 12 * 60, 0, 0.0),
        "kit-a": ("cupping_kit", 12 * 60, 0, 0.0),
    }
    assert [r.kind for r in view.rows] == ["therapist", "therapist", "room", "room", "cupping_kit"]
    assert (view.opens, view.closes) == (at(TUESDAY, 8), at(TUESDAY, 20))
    assert view.utilisation == 0.0


def test_bookings_fill_their_rows_and_the_day() -> None:
    bookings = [
        visit(at(TUESDAY, 9), therapist="anna", room="room-1", cupping_kit="kit-a"),
        visit(at(TUESDAY, 13), 30, Status.NEEDS_REVIEW, therapist="ben", room="room-2"),
        visit(at(TUESDAY, 15), 60, Status.CANCELLED, therapist="ben", room="room-1"),  # not shown
        visit(at(TUESDAY + timedelta(days=1), 9), therapist="anna", room="room-1"),  # another day
    ]

    view = day_view(TUESDAY, OPEN_8_TO_20, CATALOG, bookings)

    rows = rows_by_code(view)
    assert rows["anna"] == ("therapist", 330, 45, round(45 / 330, 4))
    assert rows["ben"] == ("therapist", 480, 30, round(30 / 480, 4))
    assert rows["room-1"] == ("room", 720, 45, round(45 / 720, 4))
    assert rows["kit-a"] == ("cupping_kit", 720, 45, round(45 / 720, 4))
    assert view.utilisation == round((45 + 30 + 45 + 30 + 45) / (330 + 480 + 3 * 720), 4)
    [anna] = [r for r in view.rows if r.code == "anna"]
    [shown] = anna.bookings
    assert (shown.status, shown.start, shown.treatment) == (Status.CONFIRMED, at(TUESDAY, 9), "Back & Leg + Cupping")
    assert (shown.client_first_name, shown.screening) == ("Maria", Outcome.OK)


def test_someone_holding_a_booking_here_is_listed_even_off_shift_here() -> None:
    booking = visit(at(TUESDAY, 10), therapist="elsewhere", room="room-1")
    at_north = visit(at(TUESDAY, 11), therapist="anna", room="room-n")
    at_north.location = "north"

    view = day_view(TUESDAY, OPEN_8_TO_20, CATALOG, [booking, at_north])

    rows = rows_by_code(view)
    assert rows["elsewhere"] == ("therapist", 0, 45, 0.0)  # no shift here: nothing available, booked anyway
    assert rows["anna"][2] == 0  # her booking at the other location is not on this day view
    assert "room-n" not in rows and "gone" not in rows


def test_a_booking_across_midnight_counts_only_its_minutes_inside_the_day() -> None:
    late = visit(at(TUESDAY, 23, 30), 60, therapist="ben", room="room-1")

    view = day_view(TUESDAY, BookingRules(tz=BERLIN), CATALOG, [late])

    assert rows_by_code(view)["room-1"] == ("room", 24 * 60, 30, round(30 / (24 * 60), 4))
    assert (view.opens, view.closes) == (at(TUESDAY, 0), at(TUESDAY + timedelta(days=1), 0))  # no hours: all day


def test_a_closed_day_has_no_hours_and_no_utilisation() -> None:
    sunday = TUESDAY + timedelta(days=5)

    view = day_view(sunday, OPEN_8_TO_20, CATALOG, [])

    assert (view.opens, view.closes) == (None, None)
    assert {r.code for r in view.rows} == {"room-1", "room-2", "kit-a"}  # nobody works on Sunday
    assert all(r.available_minutes == 0 and r.utilisation == 0.0 for r in view.rows)
    assert view.utilisation == 0.0


def test_the_spring_clock_change_day_has_23_hours() -> None:
    spring: date = last_sunday(2026, 3)

    view = day_view(spring, BookingRules(tz=BERLIN), CATALOG, [])

    assert rows_by_code(view)["room-1"][1] == 23 * 60


def test_a_first_name_is_the_first_word() -> None:
    assert first_name("  Maria  Schmidt") == "Maria"
    assert first_name("Cher") == "Cher"
    assert first_name("") == ""


# ---- the use case on the fake repository ---------------------------------------------------------


def test_the_location_day_defaults_to_today_there_and_lists_the_days_bookings(
    repository: FakeRepository, clock: FixedClock
) -> None:
    hours = [WireHours(weekday=day, start="08:00", end="20:00") for day in range(6)]
    repository.keep_copy(LocationPublished(code="main", revision=1, name="Main", opening_hours=hours))
    kept = book(repository, at(TUESDAY, 9))
    cancelled = book(repository, at(TUESDAY, 13))
    changes.cancel(repository, cancelled, clock.now(), changes.CancellationPolicy(RULES), by_clinic=True)
    clock.advance(at(TUESDAY, 7) - clock.now())

    view = front_desk.location_day(repository, None, None, RULES, clock.now())

    assert view.day == TUESDAY and view.location == "main"
    shown = {b.id for r in view.rows for b in r.bookings}
    assert shown == {kept.id}
    assert {r.code for r in view.rows} == {"anna", "ben", "room-1", "room-2", "kit-a"}
    rows = rows_by_code(view)
    assert rows[kept.therapist or ""][2] == 45
    assert rows[kept.resources["room"]] == ("room", 720, 45, round(45 / 720, 4))


def test_the_location_day_of_another_day_leaves_todays_bookings_out(repository: FakeRepository) -> None:
    book(repository, at(TUESDAY, 9))

    view = front_desk.location_day(repository, "main", TUESDAY + timedelta(days=1), RULES, repository.clock.now())

    assert all(not r.bookings for r in view.rows)
