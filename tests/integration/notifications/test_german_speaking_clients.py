"""Lena books in German (locale "de"): everything the clinic writes to her is German, weekday and month names
included ("Dienstag, 1. Dezember 2026, 14:00 Uhr"), exactly as the German templates put it, with the catalog's
German name and texts of her treatment; her therapist, who reads the clinic's English, gets the English notice."""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain.messages import Kind
from services.notifications.service_layer.sending import compose
from tests.integration.notifications.story import (
    ANNA,
    CUPPING,
    LENA,
    MAIN,
    TUESDAY_2PM,
    Clinic,
    Letter,
    berlin,
    cancelled,
    confirmed,
    readable,
    rejected,
    rescheduled,
)

WANN = "Dienstag, 1. Dezember 2026, 14:00 Uhr (Europe/Berlin)"
GERMAN = CUPPING.translations["de"]  # what catalog publishes for German readers
NAME = str(GERMAN["name"])  # "Medizinische Massage: Rücken & Beine + Schröpfen"


def as_the_templates_write_it(clinic: Clinic, kind: Kind, letter: Letter) -> None:
    """The letter is what the German templates make of the stored message, nothing else."""
    row = clinic.the_delivery(kind, LENA.email)
    assert row.locale == "de"
    composed = compose(row.draft, clinic.settings)  # as the sweep renders it (and adds the link, if any)
    assert letter.subject == composed.subject
    assert letter.text == composed.text.replace("\r\n", "\n")


def test_lena_reads_her_confirmation_in_german(clinic: Clinic) -> None:
    clinic.hear(confirmed(TUESDAY_2PM, client=LENA))

    clinic.sweep()

    letter = clinic.letter(Kind.BOOKING_CONFIRMED, LENA.email)
    assert readable(letter.subject) == f"Bestätigt: {NAME} am Dienstag, 1. Dezember 2026 um 14:00 Uhr"
    assert letter.says(
        "Guten Tag Lena Fischer", "Ihr Termin ist bestätigt", NAME, WANN, "45 Minuten", "Anna Keller", MAIN.name,
        "Was Sie erwartet", *GERMAN["what_to_expect"], "Vor Ihrem Termin", *GERMAN["preparation"],
        "Nach der Behandlung", *GERMAN["aftercare"], "Herzliche Grüße",
    )  # fmt: skip
    assert "verblassen innerhalb einiger Tage" in letter.plain_words
    assert "reichlich Wasser" in letter.plain_words and "Ischias" in letter.plain_words
    assert '<html lang="de">' in letter.html
    assert "Tuesday" not in letter.plain_words and "December" not in letter.plain_words
    as_the_templates_write_it(clinic, Kind.BOOKING_CONFIRMED, letter)


def test_lenas_therapist_still_reads_english(clinic: Clinic) -> None:
    clinic.hear(confirmed(TUESDAY_2PM, client=LENA, therapist=ANNA))

    clinic.sweep()

    letter = clinic.letter(Kind.THERAPIST_ASSIGNED, ANNA.email)
    assert readable(letter.subject).startswith(f"New client: {CUPPING.name} on Tuesday, December 1, 2026")
    assert letter.says("Hello Anna Keller", "Lena Fischer")


def test_lena_is_reminded_moved_and_cancelled_in_german(clinic: Clinic) -> None:
    booking = confirmed(TUESDAY_2PM, client=LENA, short_reminder=True)
    clinic.hear(booking, occurred_at=TUESDAY_2PM - timedelta(days=3))
    clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=20))
    clinic.owe_reminders(now=TUESDAY_2PM - timedelta(hours=1))
    clinic.sweep()

    tomorrow = clinic.letter(Kind.BOOKING_REMINDER, LENA.email)
    today = clinic.letter(Kind.BOOKING_REMINDER_SHORT, LENA.email)
    assert readable(tomorrow.subject) == f"Erinnerung: {NAME} morgen um 14:00 Uhr"
    assert tomorrow.says("an Ihren Termin morgen erinnern", WANN, "45 Minuten", "Anna Keller")
    assert readable(today.subject) == f"Erinnerung: {NAME} heute um 14:00 Uhr"
    as_the_templates_write_it(clinic, Kind.BOOKING_REMINDER, tomorrow)

    moved = rescheduled(booking, berlin(3, 9, 30))
    clinic.hear(moved)
    clinic.hear(cancelled(moved, late=True))
    clinic.sweep()

    move = clinic.letter(Kind.BOOKING_RESCHEDULED, LENA.email)
    assert readable(move.subject) == (f"Termin verschoben: {NAME} jetzt am Donnerstag, 3. Dezember 2026 um 09:30 Uhr")
    assert move.says("von Dienstag, 1. Dezember 2026, 14:00 Uhr auf Donnerstag, 3. Dezember 2026, 09:30 Uhr")
    as_the_templates_write_it(clinic, Kind.BOOKING_RESCHEDULED, move)
    cancellation = clinic.letter(Kind.BOOKING_CANCELLED, LENA.email)
    assert readable(cancellation.subject) == (f"Absage bestätigt: {NAME} am Donnerstag, 3. Dezember 2026 um 09:30 Uhr")
    assert cancellation.says("wie gewünscht haben wir den folgenden Termin für Sie abgesagt", "kurzfristige Absage")
    as_the_templates_write_it(clinic, Kind.BOOKING_CANCELLED, cancellation)


def test_lena_is_offered_other_times_in_german(clinic: Clinic) -> None:
    clinic.free_starts = [berlin(2, 9, 0), berlin(2, 10, 15)]
    clinic.hear(rejected(TUESDAY_2PM, client=LENA))

    clinic.sweep()

    letter = clinic.letter(Kind.BOOKING_REJECTED, LENA.email)
    assert readable(letter.subject).startswith("Wir konnten Ihren Termin für ")
    assert readable(letter.subject).endswith(" am Dienstag, 1. Dezember 2026 nicht bestätigen")
    assert letter.says(
        "Guten Tag Lena Fischer", "Grund: no cupping kit is free at that time.", "Es wurde Ihnen nichts berechnet.",
        "Diese Zeiten sind im Moment noch frei:",
        "Mittwoch, 2. Dezember 2026 um 09:00 Uhr", "Mittwoch, 2. Dezember 2026 um 10:15 Uhr",
    )  # fmt: skip


def test_lenas_rejection_names_the_treatment_in_german(clinic: Clinic) -> None:
    clinic.hear(rejected(TUESDAY_2PM, client=LENA))

    clinic.sweep()

    letter = clinic.letter(Kind.BOOKING_REJECTED, LENA.email)
    assert readable(letter.subject) == (
        f"Wir konnten Ihren Termin für {NAME} am Dienstag, 1. Dezember 2026 nicht bestätigen"
    )
    assert letter.says(NAME)
