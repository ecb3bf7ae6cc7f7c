"""Reminders and day schedules, found by the scheduler at the clock's time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from services.notifications.service_layer import reminders
from services.notifications.service_layer.reminders import ReminderWindows
from services.notifications.service_layer.sending import compose
from tests.integration.notifications.story import (
    ANNA,
    BEN,
    JONAS,
    LENA,
    MARIA,
    TUESDAY_2PM,
    approved,
    berlin,
    confirmed,
    held_again,
    held_for_review,
)
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL, MONDAY_6PM
from tests.unit.notifications.fakes import FakeRepository
from tests.unit.notifications.test_owed import hear

WINDOWS = ReminderWindows(hours=24, short_hours=2)


def reminded(repo: FakeRepository) -> list[tuple[str, str, int]]:
    return [(r.kind, r.recipient, r.booking_version) for r in repo.deliveries() if r.kind.startswith("booking_rem")]


def test_a_reminder_is_owed_once_the_visit_is_inside_its_window(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(TUESDAY_2PM, client=MARIA))  # 20 hours from the clock
    hear(repo, clock, confirmed(TUESDAY_2PM + timedelta(hours=6), client=JONAS))  # 26 hours

    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 1
    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 0

    assert reminded(repo) == [("booking_reminder", MARIA.email, 2)]
    [reminder] = [row for row in repo.deliveries() if row.kind == "booking_reminder"]
    assert (reminder.context["hours_before"], reminder.next_attempt_at) == (24, MONDAY_6PM)
    clock.advance(timedelta(hours=3))
    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 1  # Jonas's window has opened
    assert reminded(repo)[-1] == ("booking_reminder", JONAS.email, 2)


def test_a_visit_that_has_begun_gets_no_reminder(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(clock.now() - timedelta(minutes=15), client=MARIA))

    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 0


def test_a_visit_confirmed_inside_its_window_gets_no_reminder(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(TUESDAY_2PM, client=MARIA), occurred_at=clock.now() - timedelta(hours=1))

    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 0
    assert reminded(repo) == []


def test_the_short_reminder_goes_only_to_clients_who_asked(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(TUESDAY_2PM, client=MARIA, short_reminder=True))
    hear(repo, clock, confirmed(TUESDAY_2PM, client=JONAS, therapist=BEN))
    reminders.owe_reminders(repo, WINDOWS, MAIL, clock)

    clock.instant = TUESDAY_2PM - timedelta(minutes=90)
    reminders.owe_reminders(repo, WINDOWS, MAIL, clock)

    assert sorted(reminded(repo)) == [
        ("booking_reminder", JONAS.email, 2),
        ("booking_reminder", MARIA.email, 2),
        ("booking_reminder_short", MARIA.email, 2),
    ]
    [short] = [row for row in repo.deliveries() if row.kind == "booking_reminder_short"]
    assert short.context["hours_before"] == 2


def test_day_schedules_are_owed_from_the_local_morning_hour_one_per_therapist(
    repo: FakeRepository, clock: FixedClock
) -> None:
    hear(repo, clock, confirmed(berlin(1, 14), client=JONAS, therapist=ANNA))
    hear(repo, clock, confirmed(berlin(1, 9), client=MARIA, therapist=ANNA))
    hear(repo, clock, confirmed(berlin(1, 11), client=LENA, therapist=BEN))
    hear(repo, clock, confirmed(berlin(2, 10), client=MARIA, therapist=ANNA))  # Wednesday's

    clock.instant = berlin(1, 6, 59)
    assert reminders.owe_day_schedules(repo, 7, MAIL, clock) == 0
    clock.instant = berlin(1, 7)
    assert reminders.owe_day_schedules(repo, 7, MAIL, clock) == 2
    clock.instant = berlin(1, 9, 15)
    assert reminders.owe_day_schedules(repo, 7, MAIL, clock) == 0

    schedules = {r.recipient: r for r in repo.deliveries() if r.kind == "therapist_day_schedule"}
    assert sorted(schedules) == [ANNA.email, BEN.email]
    anna = schedules[ANNA.email]
    assert (anna.booking_id, anna.booking_version) == ("day-2026-12-01-anna-keller", 20261201)
    assert [(a["time"], a["client_name"]) for a in anna.context["appointments"]] == [
        ("9:00\N{NARROW NO-BREAK SPACE}AM", MARIA.name),
        ("2:00\N{NARROW NO-BREAK SPACE}PM", JONAS.name),
    ]


def test_a_screened_clients_reminder_asks_whether_anything_about_their_health_changed(
    repo: FakeRepository, clock: FixedClock
) -> None:
    screened = confirmed(TUESDAY_2PM, client=MARIA, screened=True)
    hear(repo, clock, screened)
    hear(repo, clock, confirmed(TUESDAY_2PM, client=JONAS, therapist=BEN))  # answered no questionnaire
    with_link = replace(MAIL, manage_url="https://clinic.example/manage/", link_secret="test-secret")

    reminders.owe_reminders(repo, WINDOWS, with_link, clock)

    def reminder_to(email: str) -> str:
        [row] = [r for r in repo.deliveries(recipient=email) if r.kind == "booking_reminder"]
        return " ".join(compose(row.draft, with_link).text.split())

    marias = reminder_to(MARIA.email)
    assert "Has anything about your health changed since you answered our questions?" in marias
    assert "please update your answers before the visit, using the link below" in marias
    assert f"https://clinic.example/manage/#booking={screened.booking_id}&token=" in marias
    assert "health" not in reminder_to(JONAS.email)


def test_a_visit_in_review_gets_no_reminder_until_it_is_approved(repo: FakeRepository, clock: FixedClock) -> None:
    held = held_for_review(TUESDAY_2PM, client=MARIA)
    hear(repo, clock, held)
    confirmed_then_held = confirmed(TUESDAY_2PM + timedelta(hours=1), client=JONAS, therapist=BEN)
    hear(repo, clock, confirmed_then_held)
    hear(repo, clock, held_again(confirmed_then_held))

    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 0

    hear(repo, clock, approved(held))  # approved days ago, before the window opened
    assert reminders.owe_reminders(repo, WINDOWS, MAIL, clock) == 1
    assert reminded(repo) == [("booking_reminder", MARIA.email, 3)]


def test_a_therapists_day_lists_no_visit_that_waits_for_review(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(berlin(1, 9), client=MARIA, therapist=ANNA))
    hear(repo, clock, held_for_review(berlin(1, 11), client=JONAS, therapist=ANNA))
    clock.instant = berlin(1, 7)

    assert reminders.owe_day_schedules(repo, 7, MAIL, clock) == 1

    [schedule] = [r for r in repo.deliveries() if r.kind == "therapist_day_schedule"]
    assert [a["client_name"] for a in schedule.context["appointments"]] == [MARIA.name]
