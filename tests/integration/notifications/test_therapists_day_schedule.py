"""On Tuesday 1 December Anna sees Maria at 09:00 and Jonas at 14:00, Ben sees Lena at 11:00. Once it is 07:00 in
Berlin each of them gets one email with the day's visits, earliest first; tomorrow's visit and a cancelled one
are not on it. Before seven nothing is owed, and asking again owes nothing more."""

from __future__ import annotations

from datetime import timedelta

from services.catalog.domain.model import Therapist
from services.notifications.domain.messages import Kind
from tests.integration.notifications.story import (
    ANNA,
    BEN,
    JONAS,
    LENA,
    MARIA,
    Clinic,
    Letter,
    a_client,
    berlin,
    cancelled,
    confirmed,
    readable,
)

HALF_PAST_SEVEN = berlin(1, 7, 30)
DASH = "\N{EN DASH}"  # the schedules write span("9:00 AM", "9:45 AM")


def span(start: str, end: str) -> str:
    return f"{start} {DASH} {end}"


def schedule_for(clinic: Clinic, email: str) -> Letter:
    [letter] = clinic.mail.letters_to(email)
    return letter


def a_busy_tuesday(clinic: Clinic) -> None:
    long_ago = HALF_PAST_SEVEN - timedelta(days=5)
    clinic.hear(confirmed(berlin(1, 14), client=JONAS, therapist=ANNA, room="room-2"), occurred_at=long_ago)
    clinic.hear(confirmed(berlin(1, 9), client=MARIA, therapist=ANNA, room="room-1"), occurred_at=long_ago)
    clinic.hear(confirmed(berlin(1, 11), client=LENA, therapist=BEN, kit="kit-b"), occurred_at=long_ago)
    clinic.hear(confirmed(berlin(2, 10), client=a_client("Tomorrow Person"), therapist=ANNA), occurred_at=long_ago)
    called_off = confirmed(berlin(1, 16), client=a_client("Cancelled Person"), therapist=ANNA)
    clinic.hear(called_off, occurred_at=long_ago)
    clinic.hear(cancelled(called_off))
    clinic.sweep()  # the confirmations; what follows is about the schedules only
    clinic.mail.clear()


def test_each_therapist_gets_one_list_of_todays_visits_in_time_order(clinic: Clinic) -> None:
    a_busy_tuesday(clinic)

    assert clinic.owe_day_schedules(now=HALF_PAST_SEVEN) == 2
    assert clinic.sweep() == 2

    anna = schedule_for(clinic, ANNA.email)
    assert anna.envelope_recipients == [ANNA.email]
    assert readable(anna.subject) == "Your schedule for Tuesday, December 1, 2026: 2 appointments"
    assert anna.says("Hello Anna Keller", "Clinic Mitte", "Maria Schmidt", "Jonas Weber", "Treatment room 2")
    for words in (anna.plain_words, anna.html_words):
        at_nine, at_two = words.index(span("9:00 AM", "9:45 AM")), words.index(span("2:00 PM", "2:45 PM"))
        assert at_nine < words.index("Maria Schmidt") < at_two < words.index("Jonas Weber")
        assert "Tomorrow Person" not in words and "Cancelled Person" not in words
    ben = schedule_for(clinic, BEN.email)
    assert readable(ben.subject) == "Your schedule for Tuesday, December 1, 2026: 1 appointment"
    assert ben.says("Hello Ben Okafor", span("11:00 AM", "11:45 AM"), "Lena Fischer", "Cupping kit B")
    assert "Maria Schmidt" not in ben.plain_words


def test_before_seven_nobody_is_owed_a_schedule(clinic: Clinic) -> None:
    a_busy_tuesday(clinic)

    assert clinic.owe_day_schedules(now=berlin(1, 6, 0)) == 0
    assert clinic.owe_day_schedules(now=berlin(1, 6, 59)) == 0

    assert [row for row in clinic.deliveries() if row.kind == Kind.THERAPIST_DAY_SCHEDULE.value] == []


def test_asking_again_later_in_the_morning_owes_nothing_more(clinic: Clinic) -> None:
    a_busy_tuesday(clinic)
    clinic.owe_day_schedules(now=HALF_PAST_SEVEN)

    assert clinic.owe_day_schedules(now=HALF_PAST_SEVEN) == 0
    assert clinic.owe_day_schedules(now=berlin(1, 9, 15)) == 0

    schedules = [row for row in clinic.deliveries() if row.kind == Kind.THERAPIST_DAY_SCHEDULE.value]
    assert sorted((row.recipient, row.booking_id) for row in schedules) == [
        (ANNA.email, "day-2026-12-01-anna-keller"),
        (BEN.email, "day-2026-12-01-ben-okafor"),
    ]
    clinic.sweep()
    clinic.sweep()
    assert len(clinic.mail.letters()) == 2


def test_each_day_schedule_reaches_the_server_with_its_own_message_id(clinic: Clinic) -> None:
    a_busy_tuesday(clinic)
    clinic.owe_day_schedules(now=HALF_PAST_SEVEN)
    clinic.sweep()

    row = clinic.the_delivery(Kind.THERAPIST_DAY_SCHEDULE, ANNA.email)
    assert schedule_for(clinic, ANNA.email).message_id == row.message_id


def test_a_therapist_with_a_long_code_still_gets_the_schedule(clinic: Clinic) -> None:
    longest = Therapist(code="t" * 63, name="Theodora Long", email="theodora@clinic.example", skills=[],
                        weekly_hours=[])  # fmt: skip
    clinic.hear(confirmed(berlin(1, 9), therapist=longest), occurred_at=HALF_PAST_SEVEN - timedelta(days=3))

    assert clinic.owe_day_schedules(now=HALF_PAST_SEVEN) == 1
