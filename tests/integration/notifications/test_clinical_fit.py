"""Maria's intake answers need a therapist's look. While Anna reviews them the visit is held: Maria reads that we
are reviewing her answers, Anna and the front desk that a review waits (Maria's first name only, and to read
the answers they open the front desk: no email carries them). Then Anna approves (one confirmation, with the
calendar entry) or declines (the reason, and Back & Neck at times free when the email goes out), or nobody
looks in time. A visit in review gets no reminder and is on nobody's day list; a screened client's reminder
asks whether anything about her health changed. Every letter is read back from a real SMTP server."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from services.notifications.domain.messages import Kind
from tests.integration.notifications.story import (
    ANNA,
    BACK_NECK,
    CUPPING,
    LENA,
    MAIN,
    MARIA,
    TUESDAY_2PM,
    Clinic,
    approved,
    berlin,
    confirmed,
    declined,
    held_again,
    held_for_review,
    readable,
)

FRONT_DESK = "frontdesk@clinic.example"
WHEN = "Tuesday, December 1, 2026, 2:00 PM (Europe/Berlin)"


def with_front_desk(clinic: Clinic) -> Clinic:
    return replace(clinic, settings=replace(clinic.settings, review_email=FRONT_DESK))


def test_while_anna_reviews_marias_answers_maria_anna_and_the_front_desk_each_get_one_letter(clinic: Clinic) -> None:
    clinic = with_front_desk(clinic)
    held = held_for_review(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(held)

    assert clinic.sweep() == 3

    marias = clinic.letter(Kind.REVIEW_PENDING, MARIA.email)
    assert readable(marias.subject) == (
        "We are reviewing your answers: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 2:00 PM"
    )
    assert marias.says(
        "Hello Maria Schmidt", "Before we confirm it, a therapist will look at your answers to our health questions.",
        "Your room and therapist are held for you at this time", WHEN, "Anna Keller", MAIN.name,
        "You will hear from us either way",
        "If nobody can look at your answers in time before the visit, we will tell you.",
    )  # fmt: skip
    assert not marias.calendar_parts()
    for address, greeting in ((ANNA.email, "Hello Anna Keller,"), (FRONT_DESK, "Hello team,")):
        notice = clinic.letter(Kind.REVIEW_WAITING, address)
        assert notice.envelope_recipients == [address]
        assert readable(notice.subject).startswith(f"Review waiting: {CUPPING.name} on Tuesday, December 1, 2026")
        assert notice.says(greeting, CUPPING.name, WHEN, MAIN.name, "open the front desk to see the answers")
        assert "Client: Maria Treatment:" in notice.plain_words and "Client Maria Treatment" in notice.html_words
        assert "Schmidt" not in notice.plain_words and "Schmidt" not in notice.html_words
        assert MARIA.email not in notice.plain_words and not notice.calendar_parts()


def test_an_approval_reaches_maria_as_one_confirmation_with_the_calendar_entry(clinic: Clinic) -> None:
    held = held_for_review(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(held)
    clinic.sweep()

    clinic.hear(approved(held))
    assert clinic.sweep() == 2

    assert sorted(row.kind for row in clinic.deliveries(recipient=MARIA.email)) == [
        "booking_approved",
        "review_pending",
    ]
    assert len(clinic.mail.letters_to(MARIA.email)) == 2  # while held, then the one confirmation
    letter = clinic.letter(Kind.BOOKING_APPROVED, MARIA.email)
    assert readable(letter.subject) == (
        "Approved and confirmed: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 2:00 PM"
    )
    assert letter.says(
        "A therapist has looked at your answers and approved the visit.", "Your appointment is confirmed", WHEN,
        "45 minutes", "Anna Keller", *CUPPING.aftercare,
    )  # fmt: skip
    assert str(letter.calendar()["METHOD"]) == "REQUEST"
    assert clinic.letter(Kind.THERAPIST_ASSIGNED, ANNA.email).says("Maria Schmidt", WHEN)


def test_a_decline_offers_back_and_neck_at_the_times_free_when_the_email_goes_out(clinic: Clinic) -> None:
    clinic.free_starts = [berlin(1, 15), berlin(1, 16, 30), berlin(2, 9), berlin(2, 10)]
    held = held_for_review(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(held)
    clinic.sweep()

    clinic.hear(declined(held, reason="we would rather see you for a treatment without cupping"))
    assert clinic.sweep() == 1  # Maria only: Anna never had the visit in her calendar

    assert clinic.asked_for_alternatives == [(BACK_NECK.slug, TUESDAY_2PM, MAIN.code)]
    letter = clinic.letter(Kind.BOOKING_DECLINED, MARIA.email)
    assert readable(letter.subject) == (
        "We could not go ahead with your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026"
    )
    assert letter.says(
        "could not go ahead with your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 2:00 PM",
        "Why: we would rather see you for a treatment without cupping.", "The time we held for you has been released.",
        f"we would be glad to offer you {BACK_NECK.name}", "These times are free for it right now:",
        "Tuesday, December 1, 2026 at 3:00 PM", "Tuesday, December 1, 2026 at 4:30 PM",
        "Wednesday, December 2, 2026 at 9:00 AM",
    )  # fmt: skip
    assert "10:00 AM" not in letter.plain_words and not letter.calendar_parts()
    annas = [letter.message_id for letter in clinic.mail.letters_to(ANNA.email)]
    assert annas == [clinic.letter(Kind.REVIEW_WAITING, ANNA.email).message_id]


def test_lena_whose_answers_nobody_reviewed_in_time_reads_so_in_german(clinic: Clinic) -> None:
    held = held_for_review(TUESDAY_2PM, client=LENA)
    clinic.hear(held)

    clinic.hear(declined(held, reason="review deadline passed", automatic=True, alternative=None))
    clinic.sweep()

    letter = clinic.letter(Kind.BOOKING_DECLINED, LENA.email)
    assert readable(letter.subject).startswith("Wir können Ihren Termin für ")
    assert letter.says(
        "Guten Tag Lena Fischer",
        "Grund: Wir konnten Ihre Antworten auf unsere Gesundheitsfragen nicht rechtzeitig vor dem Termin prüfen.",
        "Bitte wenden Sie sich an die Praxis",
    )
    assert "review deadline passed" not in letter.plain_words and clinic.asked_for_alternatives == []


def test_a_confirmed_visit_put_back_into_review_and_declined_leaves_annas_calendar(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(booking)
    clinic.sweep()
    again = held_again(booking)
    clinic.hear(again)
    clinic.sweep()

    clinic.hear(declined(again))
    assert clinic.sweep() == 2

    assert clinic.letter(Kind.REVIEW_PENDING, MARIA.email).says(
        "A therapist will look at your updated answers", "until then your visit is on hold"
    )
    released = clinic.letter(Kind.THERAPIST_RELEASED, ANNA.email)
    assert released.says("Maria Schmidt", "was cancelled")
    assert str(released.calendar()["METHOD"]) == "CANCEL"
    assert clinic.letter(Kind.BOOKING_DECLINED, MARIA.email).says("Why: we would rather see you")


def test_a_visit_in_review_gets_no_reminder_and_is_on_no_day_list(clinic: Clinic) -> None:
    long_ago = TUESDAY_2PM - timedelta(days=4)
    clinic.hear(held_for_review(TUESDAY_2PM, client=MARIA, therapist=ANNA), occurred_at=long_ago)

    assert clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=20)) == 0
    assert clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=1)) == 0
    assert clinic.owe_day_schedules(now=berlin(1, 7, 30)) == 0


def test_a_screened_clients_reminder_asks_whether_anything_about_her_health_changed(clinic: Clinic) -> None:
    linked = replace(clinic.settings, manage_url="https://clinic.example/manage/", link_secret="integration-secret")
    clinic = replace(clinic, settings=linked)
    held = held_for_review(TUESDAY_2PM, client=MARIA, therapist=ANNA)
    clinic.hear(held, occurred_at=TUESDAY_2PM - timedelta(days=4))
    clinic.hear(approved(held), occurred_at=TUESDAY_2PM - timedelta(days=3))
    clinic.sweep()

    assert clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=20)) == 1
    clinic.sweep()

    letter = clinic.letter(Kind.BOOKING_REMINDER, MARIA.email)
    assert letter.says(
        "Has anything about your health changed since you answered our questions?",
        "If so, please update your answers before the visit, using the link below.",
        "your appointment, move or cancel it, or update your answers to our health questions",
    )
    assert f"https://clinic.example/manage/#booking={held.booking_id}&token=" in letter.plain_words
