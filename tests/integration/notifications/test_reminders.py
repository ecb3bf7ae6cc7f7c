"""The scheduler asks the database, not the broker, who needs a reminder: every active visit whose 24-hour
window has opened, if it was confirmed before the window opened (someone who booked an hour ago for
tomorrow needs no reminder); the 2-hour reminder only for clients who asked for it. Asking again owes
nothing more; a cancelled visit gets none; a moved visit is a new version and gets a reminder of its new time.
"""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain.messages import Kind
from shared.events import BookingConfirmed
from tests.integration.notifications.story import (
    JONAS,
    MARIA,
    TUESDAY_2PM,
    Clinic,
    a_client,
    berlin,
    cancelled,
    confirmed,
    rescheduled,
)

NOW = TUESDAY_2PM - timedelta(hours=20)  # Monday 30 November, 18:00 in Berlin


def reminders(clinic: Clinic) -> list[tuple[str, str, int]]:
    return [owed for owed in clinic.kinds_owed() if owed[0].startswith("booking_reminder")]


def confirmed_days_before(clinic: Clinic, days: float, booking: BookingConfirmed) -> str:
    """booking.confirmed arrives, emitted `days` before NOW."""
    clinic.hear(booking, occurred_at=NOW - timedelta(days=days))
    return booking.booking_id


def test_a_visit_confirmed_three_days_ago_that_starts_in_twenty_hours_gets_one_reminder(clinic: Clinic) -> None:
    booking_id = confirmed_days_before(clinic, 3, confirmed(TUESDAY_2PM, client=MARIA))

    assert clinic.owe_reminders(now=NOW) == 1
    owed = reminders(clinic)
    clinic.owe_reminders(now=NOW)
    clinic.owe_reminders(now=NOW + timedelta(minutes=5))  # the scheduler's next runs

    assert owed == [("booking_reminder", MARIA.email, 2)]
    assert reminders(clinic) == owed
    row = clinic.the_delivery(Kind.BOOKING_REMINDER, MARIA.email, booking_id)
    assert row.context["hours_before"] == 24
    assert row.status == "queued"


def test_asking_for_reminders_again_reports_nothing_new(clinic: Clinic) -> None:
    confirmed_days_before(clinic, 3, confirmed(TUESDAY_2PM))
    clinic.owe_reminders(now=NOW)

    assert clinic.owe_reminders(now=NOW) == 0


def test_a_visit_booked_an_hour_ago_for_twenty_hours_from_now_gets_no_reminder(clinic: Clinic) -> None:
    confirmed_days_before(clinic, 1 / 24, confirmed(TUESDAY_2PM))

    assert clinic.owe_reminders(now=NOW) == 0
    assert reminders(clinic) == []


def test_visits_outside_the_window_get_no_reminder_yet_or_any_more(clinic: Clinic) -> None:
    confirmed_days_before(clinic, 3, confirmed(NOW + timedelta(hours=30), client=a_client()))  # the day after tomorrow
    confirmed_days_before(clinic, 3, confirmed(NOW - timedelta(minutes=15), client=a_client()))  # already begun

    assert clinic.owe_reminders(now=NOW) == 0
    assert reminders(clinic) == []


def test_only_the_client_who_asked_gets_the_two_hour_reminder(clinic: Clinic) -> None:
    confirmed_days_before(clinic, 3, confirmed(TUESDAY_2PM, client=MARIA, short_reminder=True))
    confirmed_days_before(clinic, 3, confirmed(TUESDAY_2PM + timedelta(minutes=30), client=JONAS))
    clinic.owe_reminders(now=NOW)

    clinic.owe_reminders(now=TUESDAY_2PM - timedelta(minutes=90))
    clinic.owe_reminders(now=TUESDAY_2PM - timedelta(minutes=60))

    assert reminders(clinic) == [
        ("booking_reminder", JONAS.email, 2),
        ("booking_reminder", MARIA.email, 2),
        ("booking_reminder_short", MARIA.email, 2),
    ]
    assert clinic.the_delivery(Kind.BOOKING_REMINDER_SHORT, MARIA.email).context["hours_before"] == 2


def test_a_cancelled_visit_gets_no_reminder(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM, short_reminder=True)
    clinic.hear(booking, occurred_at=NOW - timedelta(days=3))
    clinic.hear(cancelled(booking), occurred_at=NOW - timedelta(days=2))

    assert clinic.owe_reminders(now=NOW) == 0
    assert clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=1)) == 0
    assert reminders(clinic) == []


def test_a_moved_visit_is_reminded_again_of_its_new_time(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM, client=MARIA)
    clinic.hear(booking, occurred_at=NOW - timedelta(days=3))
    clinic.owe_reminders(now=NOW)
    thursday = berlin(3, 9, 30)
    clinic.hear(rescheduled(booking, thursday), occurred_at=NOW + timedelta(hours=1))

    assert clinic.owe_reminders(now=NOW + timedelta(hours=2)) == 0  # Thursday's window has not opened
    assert clinic.owe_reminders(now=thursday - timedelta(hours=20)) == 1

    assert reminders(clinic) == [("booking_reminder", MARIA.email, 2), ("booking_reminder", MARIA.email, 3)]
    clinic.sweep()
    [old, new] = [row for row in clinic.deliveries(booking.booking_id) if row.kind == "booking_reminder"]
    assert old.context["when"]["date"] == "Tuesday, December 1, 2026"
    assert new.context["when"]["date"] == "Thursday, December 3, 2026"
    [letter] = [letter for letter in clinic.mail.letters_to(MARIA.email) if letter.message_id == new.message_id]
    assert letter.says("Thursday, December 3, 2026, 9:30 AM (Europe/Berlin)")
