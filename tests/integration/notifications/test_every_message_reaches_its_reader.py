"""Maria books Medical Massage: Back & Leg + Cupping for Tuesday 1 December 2026 at 14:00 in Berlin, with Anna
Keller. Every email the clinic owes about that visit goes over SMTP to a real server and, read back from the
bytes that arrived, tells its reader what they need: the treatment, the local date and time, how long it takes,
who treats her, what to expect, and the catalog's aftercare (cupping marks fade, drink water, sciatica relief).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.notifications.domain.messages import Kind
from tests.integration.notifications.story import (
    ANNA,
    BEN,
    CUPPING,
    MAIL_FROM,
    MAIN,
    MARIA,
    TUESDAY_2PM,
    Clinic,
    berlin,
    cancelled,
    confirmed,
    readable,
    rejected,
    rescheduled,
)

WHEN = "Tuesday, December 1, 2026, 2:00 PM (Europe/Berlin)"  # 13:00 UTC: a message in UTC would say 1:00 PM


def test_maria_gets_a_confirmation_with_what_to_expect_and_the_catalogs_aftercare(clinic: Clinic) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    heard = clinic.hear(booking)

    assert clinic.sweep() == 2

    letter = clinic.letter(Kind.BOOKING_CONFIRMED, MARIA.email)
    assert letter.envelope_recipients == [MARIA.email]
    assert letter.envelope_sender == "bookings@clinic.example"
    assert (str(letter.message["To"]), str(letter.message["From"])) == (MARIA.email, MAIL_FROM)
    assert letter.message["X-Correlation-ID"] == heard.correlation_id
    assert readable(letter.subject) == (
        "Confirmed: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 2:00 PM"
    )
    # Text and HTML side by side in one multipart/alternative, the calendar entry after them.
    assert letter.message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in letter.message.iter_parts()] == ["multipart/alternative", "text/calendar"]
    assert letter.says(
        "Hello Maria Schmidt", CUPPING.name, WHEN, "45 minutes", "Anna Keller", "Treatment room 1", MAIN.name,
        MAIN.address, CUPPING.summary, "What to expect", *CUPPING.what_to_expect, *CUPPING.preparation,
        *CUPPING.aftercare,
    )  # fmt: skip
    # The aftercare a cupping client needs, word for word from the catalog.
    assert "round marks on the skin; they are harmless and fade over a few days" in letter.plain_words
    assert "Drink plenty of water for the rest of the day." in letter.plain_words
    assert "Many clients with sciatica notice clear relief after a single session." in letter.plain_words
    assert "1:00 PM" not in letter.plain_words
    assert booking.booking_id in letter.plain_words and booking.booking_id in letter.html_words


def test_anna_learns_who_is_coming_when_and_with_which_room_and_cupping_kit(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=ANNA, room="room-2", kit="kit-b"))

    clinic.sweep()

    letter = clinic.letter(Kind.THERAPIST_ASSIGNED, ANNA.email)
    assert letter.envelope_recipients == [ANNA.email]
    assert readable(letter.subject) == (
        "New client: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 2:00 PM"
    )
    assert letter.says(
        "Hello Anna Keller", "Maria Schmidt", f"{CUPPING.name} (45 minutes)", WHEN, "Treatment room 2",
        "Cupping kit B", MAIN.name,
    )  # fmt: skip
    assert letter.calendar_parts(), "the therapist's notice carries the visit as a calendar entry too"


def test_the_day_before_maria_is_reminded_of_tomorrows_visit(clinic: Clinic) -> None:
    clinic.hear(confirmed(TUESDAY_2PM), occurred_at=TUESDAY_2PM - timedelta(days=4))
    clinic.sweep()

    assert clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=20)) == 1
    assert clinic.sweep() == 1

    letter = clinic.letter(Kind.BOOKING_REMINDER, MARIA.email)
    assert readable(letter.subject) == "Reminder: Medical Massage: Back & Leg + Cupping tomorrow at 2:00 PM"
    assert letter.says(
        "Hello Maria Schmidt", "reminder of your appointment tomorrow", CUPPING.name, WHEN, "45 minutes",
        "Anna Keller", MAIN.name, MAIN.address, *CUPPING.preparation,
    )  # fmt: skip
    assert not letter.calendar_parts()


def test_maria_who_asked_for_it_is_reminded_again_two_hours_before(clinic: Clinic) -> None:
    clinic.hear(confirmed(TUESDAY_2PM, short_reminder=True), occurred_at=TUESDAY_2PM - timedelta(days=4))
    clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=20))
    clinic.sweep()

    clinic.owe_reminders(now=TUESDAY_2PM - timedelta(minutes=90))
    assert clinic.sweep() == 1  # only the short reminder is new

    letter = clinic.letter(Kind.BOOKING_REMINDER_SHORT, MARIA.email)
    assert readable(letter.subject) == "Reminder: Medical Massage: Back & Leg + Cupping today at 2:00 PM"
    assert letter.says("reminder of your appointment today", CUPPING.name, WHEN, "45 minutes", "Anna Keller")


def test_when_maria_moves_her_visit_she_reads_the_old_and_the_new_time(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM)
    clinic.hear(booking)
    clinic.sweep()

    clinic.hear(rescheduled(booking, berlin(3, 9, 30)))
    assert clinic.sweep() == 2

    letter = clinic.letter(Kind.BOOKING_RESCHEDULED, MARIA.email)
    assert readable(letter.subject) == (
        "Rescheduled: Medical Massage: Back & Leg + Cupping is now on Thursday, December 3, 2026 at 9:30 AM"
    )
    assert letter.says(
        "moved from Tuesday, December 1, 2026 at 2:00 PM to Thursday, December 3, 2026 at 9:30 AM (Europe/Berlin)",
        CUPPING.name, "45 minutes", "Anna Keller", MAIN.name,
    )  # fmt: skip
    anna = [r for r in clinic.deliveries(booking.booking_id, ANNA.email) if r.booking_version == 3]
    assert [r.kind for r in anna] == ["therapist_assigned"]
    [new_notice] = [letter for letter in clinic.mail.letters_to(ANNA.email) if letter.message_id == anna[0].message_id]
    assert new_notice.says("Thursday, December 3, 2026, 9:30 AM (Europe/Berlin)", "Maria Schmidt")


@pytest.mark.parametrize(
    ("by_clinic", "late", "subject", "says", "never_says"),
    [
        pytest.param(
            False, False, "Cancellation confirmed: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 "
            "at 2:00 PM", ["As you asked, we have cancelled your appointment below."], ["late cancellation"],
            id="by-maria-in-good-time",
        ),
        pytest.param(
            False, True, "Cancellation confirmed: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 "
            "at 2:00 PM", ["As you asked, we have cancelled your appointment below.",
            "You cancelled less than 24 hours before the visit, so this counts as a late cancellation"], [],
            id="by-maria-late",
        ),
        pytest.param(
            True, False, "We had to cancel your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 "
            "at 2:00 PM", ["We are very sorry: we have had to cancel your appointment below.",
            "Please accept our apologies"], ["As you asked", "late cancellation"],
            id="by-the-clinic",
        ),
    ],
)  # fmt: skip
def test_a_cancellation_tells_maria_who_called_it_off_and_whether_it_was_late(  # one row of the table above
    clinic: Clinic, by_clinic: bool, late: bool, subject: str, says: list[str], never_says: list[str]
) -> None:
    booking = confirmed(TUESDAY_2PM)
    clinic.hear(booking)
    clinic.sweep()

    clinic.hear(cancelled(booking, by_clinic=by_clinic, late=late))
    assert clinic.sweep() == 2  # Maria, and Anna, whose calendar must drop the visit

    released = clinic.letter(Kind.THERAPIST_RELEASED, ANNA.email)
    assert readable(released.subject).startswith("Cancelled: ") and released.says("Maria Schmidt", "was cancelled")
    letter = clinic.letter(Kind.BOOKING_CANCELLED, MARIA.email)
    assert readable(letter.subject) == subject
    assert letter.says("Hello Maria Schmidt", CUPPING.name, WHEN, "Anna Keller", MAIN.name, *says)
    for words in never_says:
        assert words not in letter.plain_words and words not in letter.html_words


def test_a_visit_that_could_not_be_confirmed_offers_three_free_times_and_no_more(clinic: Clinic) -> None:
    clinic.free_starts = [berlin(1, 15, 0), berlin(1, 16, 30), berlin(2, 9, 0), berlin(2, 10, 0)]
    refused = rejected(TUESDAY_2PM, client=MARIA)
    clinic.hear(refused)

    assert clinic.sweep() == 1

    letter = clinic.letter(Kind.BOOKING_REJECTED, MARIA.email)
    assert clinic.asked_for_alternatives == [(CUPPING.slug, TUESDAY_2PM, MAIN.code)]
    assert readable(letter.subject) == (
        "We could not confirm your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026"
    )
    assert letter.message.get_content_type() == "multipart/alternative"
    assert not letter.calendar_parts()
    assert letter.says(
        "Hello Maria Schmidt",
        "could not confirm your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 2:00 PM",
        "Why: no cupping kit is free at that time.",
        "Nothing has been charged.",
        "These times are free right now:",
        "Tuesday, December 1, 2026 at 3:00 PM",
        "Tuesday, December 1, 2026 at 4:30 PM",
        "Wednesday, December 2, 2026 at 9:00 AM",
    )
    assert "10:00 AM" not in letter.plain_words and "10:00 AM" not in letter.html_words
    assert sum(line.strip().startswith("- ") for line in letter.text.splitlines()) == 3


def test_only_the_client_and_the_therapist_of_a_visit_hear_about_it(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=BEN))

    clinic.sweep()

    assert sorted(r for letter in clinic.mail.letters() for r in letter.envelope_recipients) == sorted(
        [MARIA.email, BEN.email]
    )
    assert clinic.mail.letters_to(ANNA.email) == []


def test_a_visit_moved_to_a_colleague_is_taken_out_of_the_first_therapists_calendar(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM)
    clinic.hear(booking)
    clinic.sweep()

    clinic.hear(rescheduled(booking, berlin(3, 15), therapist=BEN))
    assert clinic.sweep() == 3  # Maria's new time, Ben's new client, Anna's release

    released = clinic.letter(Kind.THERAPIST_RELEASED, ANNA.email)
    assert released.says("Maria Schmidt", "moved to another time and colleague")
    assert str(released.calendar()["METHOD"]) == "CANCEL"
    assert clinic.letter(Kind.THERAPIST_ASSIGNED, BEN.email).says("Maria Schmidt")
