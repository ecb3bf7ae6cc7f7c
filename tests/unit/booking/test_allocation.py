"""Who and what a booking gets: kits after sterilisation, rooms after turnover, qualified therapists on shift."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain.allocation import available_starts, bookable, free_resources, free_therapists
from services.booking.domain.calendar import BookingRules, Claims, claim_cells
from services.booking.domain.catalog import THERAPIST, Resource, Therapist, TreatmentSpec, WeeklyHours

BERLIN = ZoneInfo("Europe/Berlin")
RULES = BookingRules(tz=BERLIN)
TUESDAY = date(2026, 6, 9)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

BACK_LEG_CUPPING = TreatmentSpec(
    slug="back-leg-cupping",
    name="Medical Massage: Back & Leg + Cupping",
    duration_minutes=45,
    required_resources={"room": 1, "cupping_kit": 1},
    required_skills=["medical_massage", "cupping"],
    buffer_minutes={"room": 10, "cupping_kit": 30, "therapist": 5},
)
BACK_NECK = TreatmentSpec(
    slug="back-neck",
    name="Medical Massage: Back & Neck",
    duration_minutes=30,
    required_resources={"room": 1},
    required_skills=["medical_massage"],
    buffer_minutes={"room": 10, "therapist": 5},
)

ROOM_1 = Resource(code="room-1", kind="room", name="Treatment room 1")
ROOM_2 = Resource(code="room-2", kind="room", name="Treatment room 2")
KIT_A = Resource(code="kit-a", kind="cupping_kit", name="Cupping kit A")
KIT_B = Resource(code="kit-b", kind="cupping_kit", name="Cupping kit B")


def weekdays(start: str, end: str) -> tuple[WeeklyHours, ...]:
    return tuple(WeeklyHours(day, start, end) for day in range(5))


ANNA = Therapist(
    code="anna-keller",
    name="Anna Keller",
    email="anna.keller@clinic.example",
    skills=frozenset({"medical_massage", "cupping"}),
    weekly_hours=weekdays("08:00", "16:00"),
)
BEN = Therapist(
    code="ben-okafor",
    name="Ben Okafor",
    email="ben.okafor@clinic.example",
    skills=frozenset({"medical_massage", "cupping", "sports_massage"}),
    weekly_hours=weekdays("12:00", "20:00"),
)
CLARA = Therapist(
    code="clara-weiss",
    name="Clara Weiss",
    email="clara.weiss@clinic.example",
    skills=frozenset({"medical_massage"}),
    weekly_hours=weekdays("09:00", "17:00"),
)
TEAM = [ANNA, BEN, CLARA]


def at(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN)


def held(treatment: TreatmentSpec, kind: str, code: str, start: datetime) -> Claims:
    """The claims a confirmed booking leaves on one resource, buffer included."""
    return {(kind, code, cell) for cell in claim_cells(treatment, kind, start)}


def booked(start: datetime, room: str, kit: str, therapist: str) -> Claims:
    """Everything a confirmed back-leg-cupping session holds."""
    return (
        held(BACK_LEG_CUPPING, "room", room, start)
        | held(BACK_LEG_CUPPING, "cupping_kit", kit, start)
        | held(BACK_LEG_CUPPING, THERAPIST, therapist, start)
    )


def codes(items: Iterable[Resource | Therapist]) -> list[str]:
    return [item.code for item in items]


def test_tuesday_is_a_tuesday() -> None:
    assert TUESDAY.weekday() == 1


# ---- cupping kits and rooms ---------------------------------------------------------------------


def test_cupping_kit_is_not_reused_before_sterilisation() -> None:
    taken = held(BACK_LEG_CUPPING, "cupping_kit", "kit-a", at(10))  # 10:00-10:45, sterile again at 11:15
    assert free_resources(BACK_LEG_CUPPING, "cupping_kit", [KIT_A], taken, at(10, 45)) == []
    assert free_resources(BACK_LEG_CUPPING, "cupping_kit", [KIT_A], taken, at(11)) == []
    assert codes(free_resources(BACK_LEG_CUPPING, "cupping_kit", [KIT_A], taken, at(11, 15))) == ["kit-a"]


def test_a_second_kit_serves_while_the_first_is_being_sterilised() -> None:
    taken = held(BACK_LEG_CUPPING, "cupping_kit", "kit-a", at(10))
    assert codes(free_resources(BACK_LEG_CUPPING, "cupping_kit", [KIT_B, KIT_A], taken, at(11))) == ["kit-b"]


def test_a_kit_still_in_use_later_cannot_be_taken_for_an_earlier_session() -> None:
    taken = held(BACK_LEG_CUPPING, "cupping_kit", "kit-a", at(10))
    # 09:15 + 45 min + 30 min sterilisation would run into the 10:00 session.
    assert free_resources(BACK_LEG_CUPPING, "cupping_kit", [KIT_A], taken, at(9, 15)) == []
    assert codes(free_resources(BACK_LEG_CUPPING, "cupping_kit", [KIT_A], taken, at(8, 45))) == ["kit-a"]


def test_a_room_is_turned_over_before_the_next_client() -> None:
    taken = held(BACK_LEG_CUPPING, "room", "room-1", at(10))  # 10:00-10:45, ready again at 10:55
    assert free_resources(BACK_LEG_CUPPING, "room", [ROOM_1], taken, at(10, 45)) == []
    assert codes(free_resources(BACK_LEG_CUPPING, "room", [ROOM_1], taken, at(11))) == ["room-1"]
    # A 30-minute back & neck at 09:30 would leave no time to turn the room over before 10:00.
    assert free_resources(BACK_NECK, "room", [ROOM_1], taken, at(9, 30)) == []
    assert codes(free_resources(BACK_NECK, "room", [ROOM_1], taken, at(9, 15))) == ["room-1"]


def test_the_lowest_free_room_is_used_first_whatever_order_the_rows_come_in() -> None:
    assert codes(free_resources(BACK_NECK, "room", [ROOM_2, KIT_A, ROOM_1], set(), at(10))) == ["room-1", "room-2"]


def test_an_inactive_room_is_never_offered() -> None:
    closed = Resource(code="room-0", kind="room", name="Room under repair", active=False)
    assert codes(free_resources(BACK_NECK, "room", [closed, ROOM_2], set(), at(10))) == ["room-2"]


def test_a_claim_on_another_kind_with_the_same_code_does_not_block_a_room() -> None:
    taken = held(BACK_LEG_CUPPING, "cupping_kit", "room-1", at(10))
    assert codes(free_resources(BACK_LEG_CUPPING, "room", [ROOM_1], taken, at(10))) == ["room-1"]


# ---- therapists ---------------------------------------------------------------------------------


def test_a_therapist_without_the_cupping_skill_is_never_chosen_for_back_leg_cupping() -> None:
    for start in RULES.day_starts(TUESDAY):
        assert CLARA not in free_therapists(BACK_LEG_CUPPING, TEAM, set(), start, BERLIN)
    assert free_therapists(BACK_LEG_CUPPING, [CLARA], set(), at(10), BERLIN) == []
    assert codes(free_therapists(BACK_NECK, [CLARA], set(), at(10), BERLIN)) == ["clara-weiss"]


def test_an_inactive_therapist_is_not_chosen() -> None:
    away = Therapist(
        code="anna-keller",
        name=ANNA.name,
        email=ANNA.email,
        skills=ANNA.skills,
        weekly_hours=ANNA.weekly_hours,
        active=False,
    )
    assert free_therapists(BACK_LEG_CUPPING, [away], set(), at(10), BERLIN) == []


@pytest.mark.parametrize(
    ("start", "chosen"),
    [
        (at(7, 45), []),
        (at(8), ["anna-keller"]),
        (at(11, 30), ["anna-keller"]),  # Ben's shift begins at 12:00
        (at(12), ["anna-keller", "ben-okafor"]),
        (at(15, 15), ["anna-keller", "ben-okafor"]),  # Anna ends exactly at 16:00
        (at(15, 30), ["ben-okafor"]),  # would run past Anna's 16:00
        (at(19, 15), ["ben-okafor"]),
        (at(19, 30), []),
        (at(12, day=date(2026, 6, 13)), []),  # Saturday
    ],
    ids=["before-opening", "08:00", "11:30", "12:00", "15:15", "15:30", "19:15", "19:30", "saturday"],
)
def test_a_therapist_outside_working_hours_is_not_chosen(start: datetime, chosen: list[str]) -> None:
    assert codes(free_therapists(BACK_LEG_CUPPING, TEAM, set(), start, BERLIN)) == chosen


def test_a_therapist_needs_a_short_break_after_each_client() -> None:
    taken = held(BACK_LEG_CUPPING, THERAPIST, "anna-keller", at(10))  # 10:00-10:45 plus 5 minutes
    assert free_therapists(BACK_LEG_CUPPING, [ANNA], taken, at(10, 45), BERLIN) == []
    assert codes(free_therapists(BACK_LEG_CUPPING, [ANNA], taken, at(11), BERLIN)) == ["anna-keller"]


def test_any_therapist_means_the_least_booked_that_day() -> None:
    load = {"anna-keller": 3, "ben-okafor": 1}
    assert codes(free_therapists(BACK_LEG_CUPPING, TEAM, set(), at(13), BERLIN, load)) == ["ben-okafor", "anna-keller"]


def test_equally_booked_therapists_are_chosen_by_code_whatever_order_the_rows_come_in() -> None:
    load = {"anna-keller": 2, "ben-okafor": 2}
    forwards = free_therapists(BACK_LEG_CUPPING, [ANNA, BEN], set(), at(13), BERLIN, load)
    backwards = free_therapists(BACK_LEG_CUPPING, [BEN, ANNA], set(), at(13), BERLIN, load)
    unbooked = free_therapists(BACK_LEG_CUPPING, [BEN, ANNA], set(), at(13), BERLIN)
    assert codes(forwards) == codes(backwards) == codes(unbooked) == ["anna-keller", "ben-okafor"]


# ---- whole slots --------------------------------------------------------------------------------


def test_a_slot_is_bookable_only_with_a_room_a_kit_and_a_therapist() -> None:
    rooms_kits = [ROOM_1, KIT_A]
    assert bookable(BACK_LEG_CUPPING, rooms_kits, TEAM, set(), at(13), RULES)
    assert not bookable(BACK_LEG_CUPPING, [ROOM_1], TEAM, set(), at(13), RULES)  # no kit at all
    assert not bookable(BACK_LEG_CUPPING, [KIT_A], TEAM, set(), at(13), RULES)  # no room at all
    assert not bookable(BACK_LEG_CUPPING, rooms_kits, [CLARA], set(), at(13), RULES)  # nobody qualified
    assert bookable(BACK_NECK, [ROOM_1], [CLARA], set(), at(13), RULES)  # no kit needed


def test_available_starts_follow_the_qualified_therapists_shifts() -> None:
    starts = available_starts(BACK_LEG_CUPPING, RULES, TUESDAY, NOW, [ROOM_1, KIT_A], TEAM, set())
    expected = [at(8) + timedelta(minutes=15 * i) for i in range(46)]  # 08:00 ... 19:15
    assert starts == expected


def test_available_starts_exclude_what_a_confirmed_session_holds() -> None:
    taken = booked(at(10), room="room-1", kit="kit-a", therapist="anna-keller")
    starts = available_starts(BACK_LEG_CUPPING, RULES, TUESDAY, NOW, [ROOM_1, ROOM_2, KIT_A], TEAM, taken)
    # The only kit is busy 10:00-11:15, so nothing from 09:00 (ends 09:45, sterile at 10:15) to 11:00 fits.
    assert at(8, 45) in starts and at(11, 15) in starts
    blocked = [at(9) + timedelta(minutes=15 * i) for i in range(9)]  # 09:00 ... 11:00
    assert not set(blocked) & set(starts)
    assert len(starts) == 46 - len(blocked)


def test_a_second_kit_keeps_the_slot_open() -> None:
    taken = booked(at(10), room="room-1", kit="kit-a", therapist="anna-keller")
    starts = available_starts(BACK_LEG_CUPPING, RULES, TUESDAY, NOW, [ROOM_1, ROOM_2, KIT_A, KIT_B], TEAM, taken)
    assert at(11) in starts  # kit-b and room-2 are free, Anna is free again after her break
    assert at(10) not in starts  # Anna is the only cupping therapist on shift before 12:00
    assert at(12) in starts


def test_available_starts_respect_the_notice_period() -> None:
    now = at(9, 10).astimezone(UTC)
    starts = available_starts(BACK_LEG_CUPPING, RULES, TUESDAY, now, [ROOM_1, KIT_A], TEAM, set())
    assert starts[0] == at(11, 15)


def test_a_day_in_the_past_has_no_available_starts() -> None:
    assert available_starts(BACK_LEG_CUPPING, RULES, date(2026, 5, 26), NOW, [ROOM_1, KIT_A], TEAM, set()) == []
