"""Every message kind in English and German: subject, plain text and HTML render from realistic contexts,
client input is escaped in HTML and verbatim in text, and no template file is left untested.

Rendered with a Jinja environment configured like `rendering.environment()` (checked below), straight from
`{kind}/{name}.txt` or `{kind}/{name}.{locale}.txt`, so these tests do not depend on `rendering.render`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError, select_autoescape

from services.notifications.adapters import rendering

TEMPLATES = rendering.TEMPLATES
LOCALES = ("en", "de")
KINDS = (
    "booking_confirmed",
    "therapist_assigned",
    "booking_reminder",
    "booking_rescheduled",
    "booking_cancelled",
    "booking_rejected",
    "therapist_day_schedule",
    "therapist_released",
    "review_pending",
    "review_waiting",
    "booking_approved",
    "booking_declined",
)
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
PREVIOUS_START = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
BOOKING_ID = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
SCHEDULE_ID = "day-2026-12-01-anna-keller"
TREATMENT = "Medical Massage: Back & Leg + Cupping"
TREATMENT_HTML = "Medical Massage: Back &amp; Leg + Cupping"
CLIENT = "<b>Maria</b> & Co"
CLIENT_HTML = "&lt;b&gt;Maria&lt;/b&gt; &amp; Co"
MANAGE_LINK = "https://clinic.example/manage/#booking=6f1c2d3e&token=abc.def-gh_i"  # as `sending` signs it
BOOKING_URL = "https://clinic.example/book?treatment=back-leg-cupping&location=mitte"
REASON = "no cupping kit is free at 13:00 on 01 Dec 2026"
DECLINE_REASON = "we would rather see you for a treatment without cupping."  # staff's words, their full stop
ALTERNATIVE = "Medical Massage: Back & Neck"
CLIENT_FIRST_NAME = "<b>Maria</b>"  # all a review notice shows of CLIENT
LATE_NOTE = {
    "en": "You cancelled less than 24 hours before the visit, so this counts as a late cancellation "
    "under our cancellation policy.",
    "de": "Da Sie weniger als 24 Stunden vor dem Termin abgesagt haben, gilt dies nach unseren "
    "Stornierungsbedingungen als kurzfristige Absage.",
}
# Words that give away an untranslated English template in a German message.
ENGLISH_WORDS = ("Hello", "Treatment", "Therapist", "Please", "appointment", "minutes", "calendar", "reference")
ROOM = {"en": "Treatment room 1", "de": "Behandlungsraum 1"}
KIT = {"en": "Cupping kit A", "de": "Schröpfset A"}
TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "summary": "A medical massage of back and legs, followed by cupping to loosen tight muscles.",
        "what_to_expect": [
            "We talk briefly about your complaints before we start.",
            "Cupping can leave round marks on the skin; they fade within a few days.",
        ],
        "preparation": ["Please do not eat a large meal in the two hours before.", "Wear comfortable clothing."],
        "aftercare": ["Drink plenty of water afterwards."],
    },
    "de": {
        "summary": "Eine medizinische Massage von Rücken und Beinen, danach Schröpfen gegen verspannte Muskeln.",
        "what_to_expect": [
            "Vor der Behandlung sprechen wir kurz über Ihre Beschwerden.",
            "Schröpfen kann runde Abdrücke auf der Haut hinterlassen; sie verblassen nach einigen Tagen.",
        ],
        "preparation": [
            "Bitte essen Sie in den zwei Stunden davor keine große Mahlzeit.",
            "Tragen Sie bequeme Kleidung.",
        ],
        "aftercare": ["Trinken Sie danach reichlich Wasser."],
    },
}


class RecordingLoader(FileSystemLoader):
    """A FileSystemLoader that remembers every template it was asked for, layouts included."""

    def __init__(self) -> None:
        super().__init__(TEMPLATES)
        self.loaded: set[str] = set()

    def get_source(self, environment: Environment, template: str) -> Any:
        self.loaded.add(template)
        return super().get_source(environment, template)


LOADER = RecordingLoader()
ENV = Environment(
    loader=LOADER,
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Rendered:
    raw_subject: str
    subject: str  # whitespace collapsed (a narrow no-break space too), as `rendering.render` sends it
    text: str
    html: str

    @property
    def everything(self) -> str:
        return "\n".join((self.subject, self.text, self.html))


def flat(text: str) -> str:
    """All whitespace (line breaks, CLDR's narrow no-break space) as single spaces."""
    return " ".join(text.split())


def render(kind: str, locale: str, context: dict[str, Any]) -> Rendered:
    suffix = "" if locale == "en" else f".{locale}"

    def one(name: str, extension: str) -> str:
        return ENV.get_template(f"{kind}/{name}{suffix}.{extension}").render(context)

    raw_subject = one("subject", "txt")
    return Rendered(raw_subject, flat(raw_subject), one("body", "txt"), one("body", "html"))


# ---- contexts -----------------------------------------------------------------------------------


def when(start: datetime, locale: str) -> dict[str, str]:
    local = start.astimezone(BERLIN)
    return {
        "date": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
        "timezone": BERLIN.key,
    }


def common(locale: str, bare: bool = False) -> dict[str, Any]:
    """What every booking message gets; `bare` empties everything that may be empty."""
    context: dict[str, Any] = {
        "clinic_name": "The Clinic",
        "booking_id": BOOKING_ID,
        "treatment_name": TREATMENT,
        "duration_minutes": 45,
        "when": when(START, locale),
        "location_name": "Praxis Mitte",
        "location_address": "Torstraße 1, 10119 Berlin",
        "client_name": CLIENT,
        "therapist_name": "Anna Keller",
        "room_name": ROOM[locale],
        "kit_name": KIT[locale],
        **TEXTS[locale],
        "manage_link": MANAGE_LINK,
    }
    if bare:
        context.update(
            location_address="",
            room_name="",
            kit_name="",
            summary="",
            what_to_expect=[],
            preparation=[],
            aftercare=[],
            manage_link="",
        )
    return context


def reminder(locale: str, hours_before: int, bare: bool = False, screened: bool = False) -> dict[str, Any]:
    return {**common(locale, bare), "hours_before": hours_before, "screened": screened}


def rescheduled(locale: str, bare: bool = False) -> dict[str, Any]:
    previous = when(PREVIOUS_START, locale)
    return {**common(locale, bare), "previous_when": {"date": previous["date"], "time": previous["time"]}}


def cancelled(locale: str, by_clinic: bool, late: bool) -> dict[str, Any]:
    return {**common(locale), "by_clinic": by_clinic, "late": late, "free_cancellation_hours": 24}


def alternative_slots(locale: str, count: int) -> list[dict[str, str]]:
    slots = [when(START + timedelta(days=day, hours=2), locale) for day in range(1, count + 1)]
    return [{"date": slot["date"], "time": slot["time"]} for slot in slots]


def rejected(locale: str, alternatives: int, booking_url: str = BOOKING_URL) -> dict[str, Any]:
    return {
        "clinic_name": "The Clinic",
        "booking_id": BOOKING_ID,
        "treatment_name": TREATMENT,
        "client_name": CLIENT,
        "reason": REASON,
        "when": when(START, locale),
        "alternatives": alternative_slots(locale, alternatives),
        "booking_url": booking_url,
        "manage_link": MANAGE_LINK,
    }


def review_pending(locale: str, again: bool = False, bare: bool = False) -> dict[str, Any]:
    return {**common(locale, bare), "again": again}


def review_waiting(locale: str, again: bool = False, staff_copy: bool = False, bare: bool = False) -> dict[str, Any]:
    return {**common(locale, bare), "client_first_name": CLIENT_FIRST_NAME, "again": again, "staff_copy": staff_copy}


def declined(locale: str, alternatives: int, automatic: bool = False, alternative: str = ALTERNATIVE) -> dict[str, Any]:
    return {
        **rejected(locale, alternatives),
        "reason": DECLINE_REASON,
        "automatic": automatic,
        "alternative_name": alternative,
    }


def day_schedule(locale: str, empty: bool = False) -> dict[str, Any]:
    def at(hour: int, minute: int = 0) -> str:
        return format_time(datetime(2026, 12, 1, hour, minute, tzinfo=BERLIN), "short", locale=locale)

    appointments = [
        {
            "time": at(9),
            "end_time": at(9, 45),
            "treatment_name": TREATMENT,
            "client_name": CLIENT,
            "room_name": ROOM[locale],
            "kit_name": KIT[locale],
        },
        {
            "time": at(11),
            "end_time": at(11, 30),
            "treatment_name": "Medical Massage: Neck",
            "client_name": "Hans Weber",
            "room_name": "",
            "kit_name": "",
        },
        {
            "time": at(14, 15),
            "end_time": at(15, 15),
            "treatment_name": "Medical Massage: Full Body",
            "client_name": "Lena Fischer",
            "room_name": ROOM[locale],
            "kit_name": "",
        },
    ]
    return {
        "clinic_name": "The Clinic",
        "booking_id": SCHEDULE_ID,
        "therapist_name": "Anna Keller",
        "day": format_date(START.astimezone(BERLIN), "full", locale=locale),
        "location_name": "Praxis Mitte",
        "appointments": [] if empty else appointments,
    }


def all_cases() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(id, kind, locale, context): every kind in every language, with its variants."""
    cases = []
    for locale in LOCALES:
        variants: list[tuple[str, str, dict[str, Any]]] = [
            ("booking_confirmed", "full", common(locale)),
            ("booking_confirmed", "bare", common(locale, bare=True)),
            ("therapist_assigned", "full", common(locale)),
            ("therapist_assigned", "bare", common(locale, bare=True)),
            ("booking_reminder", "24h", reminder(locale, 24)),
            ("booking_reminder", "2h-bare", reminder(locale, 2, bare=True)),
            ("booking_rescheduled", "full", rescheduled(locale)),
            ("booking_rescheduled", "bare", rescheduled(locale, bare=True)),
            ("booking_cancelled", "by-client", cancelled(locale, by_clinic=False, late=False)),
            ("booking_cancelled", "by-client-late", cancelled(locale, by_clinic=False, late=True)),
            ("booking_cancelled", "by-clinic", cancelled(locale, by_clinic=True, late=False)),
            ("booking_cancelled", "by-clinic-late", cancelled(locale, by_clinic=True, late=True)),
            ("booking_rejected", "no-alternatives", rejected(locale, 0, booking_url="")),
            ("booking_rejected", "one-alternative", rejected(locale, 1)),
            ("booking_rejected", "three-alternatives", rejected(locale, 3)),
            ("therapist_day_schedule", "three", day_schedule(locale)),
            ("therapist_day_schedule", "empty", day_schedule(locale, empty=True)),
            ("therapist_released", "cancelled", {**common(locale), "reassigned": False}),
            ("therapist_released", "moved-bare", {**common(locale, bare=True), "reassigned": True}),
            ("booking_reminder", "24h-screened", reminder(locale, 24, screened=True)),
            ("booking_reminder", "2h-screened-bare", reminder(locale, 2, bare=True, screened=True)),
            ("review_pending", "first", review_pending(locale)),
            ("review_pending", "again-bare", review_pending(locale, again=True, bare=True)),
            ("review_waiting", "therapist", review_waiting(locale)),
            ("review_waiting", "staff-again-bare", review_waiting(locale, again=True, staff_copy=True, bare=True)),
            ("booking_approved", "full", common(locale)),
            ("booking_approved", "bare", common(locale, bare=True)),
            ("booking_declined", "two-alternatives", declined(locale, 2)),
            ("booking_declined", "alternative-no-times", {**declined(locale, 0), "booking_url": ""}),
            ("booking_declined", "automatic-no-alternative", declined(locale, 0, automatic=True, alternative="")),
        ]
        cases += [(f"{kind}-{locale}-{variant}", kind, locale, context) for kind, variant, context in variants]
    return cases


CASES = all_cases()


# ---- every template -----------------------------------------------------------------------------


def test_the_environment_here_is_configured_like_the_one_that_sends() -> None:
    real = rendering.environment()
    assert real.undefined is ENV.undefined is StrictUndefined
    for option in ("trim_blocks", "lstrip_blocks", "keep_trailing_newline"):
        assert getattr(real, option) == getattr(ENV, option), option
    for name in ("x/body.html", "x/body.de.html", "_layout.de.html", "x/body.txt", "x/subject.de.txt"):
        assert real.autoescape(name) == ENV.autoescape(name), name  # type: ignore[operator]


def test_every_template_file_is_rendered_by_some_case() -> None:
    for _, kind, locale, context in CASES:
        render(kind, locale, context)
    on_disk = {path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*") if path.is_file()}
    assert on_disk == LOADER.loaded, f"never rendered: {sorted(on_disk - LOADER.loaded)}"
    assert {kind for _, kind, _, _ in CASES} == set(KINDS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_subject_text_and_html_in_every_language(kind: str, locale: str) -> None:
    suffix = "" if locale == "en" else f".{locale}"
    for name in ("subject.txt", "body.txt", "body.html"):
        stem, extension = name.split(".")
        assert (TEMPLATES / kind / f"{stem}{suffix}.{extension}").is_file(), f"{kind}/{stem}{suffix}.{extension}"


@pytest.mark.parametrize(("kind", "locale", "context"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_every_message_renders_readably_and_escapes_the_client(kind: str, locale: str, context: dict[str, Any]) -> None:
    message = render(kind, locale, context)

    assert message.subject, "empty subject"
    assert "\n" not in message.raw_subject.strip(), f"subject spans lines: {message.raw_subject!r}"
    assert "  " not in message.subject

    assert message.html.lstrip().startswith("<!doctype html>") and message.html.rstrip().endswith("</html>")
    assert f'<html lang="{locale}">' in message.html
    assert context["booking_id"] in message.text and context["booking_id"] in message.html

    # Client input: escaped in HTML, verbatim in plain text (an empty day schedule names no client, a review
    # notice only the first name).
    if kind == "review_waiting":
        assert CLIENT_FIRST_NAME in message.text and CLIENT not in message.text
        assert "&lt;b&gt;Maria&lt;/b&gt;" in message.html and CLIENT_HTML not in message.html
    elif kind != "therapist_day_schedule" or context["appointments"]:
        assert CLIENT in message.text
        assert CLIENT_HTML in message.html
    assert CLIENT not in message.html and "<b>" not in message.html

    # Plain text reads as plain text: no markup, entities, leftovers of the template, or ragged blank lines.
    plain = message.text.replace(CLIENT, "").replace(CLIENT_FIRST_NAME, "")
    assert not re.search(r"</?[a-z][a-z0-9]*[ >/]", plain), plain
    assert "&amp;" not in message.text and "&lt;" not in message.text
    assert TREATMENT in message.text or kind == "therapist_day_schedule"
    for leftover in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert leftover not in message.everything
    assert "\n\n\n" not in message.text
    assert not re.search(r"[ \t]+$", message.text, re.MULTILINE), "trailing whitespace in the plain text"
    assert message.text.endswith("\n") and not message.text.startswith("\n")

    if locale == "de":
        assert "Termin" in message.everything
        assert message.text.startswith(("Guten Tag ", "Hallo "))
        for word in ENGLISH_WORDS:
            assert word not in message.everything, f"English {word!r} in a German message"
        if kind != "therapist_day_schedule":
            assert f"Buchungsnummer: {BOOKING_ID}" in message.text
            assert f"Buchungsnummer {BOOKING_ID}" in message.html
    else:
        assert message.text.startswith("Hello ")
        assert "Buchungsnummer" not in message.everything
        if kind != "therapist_day_schedule":
            assert f"Booking reference: {BOOKING_ID}" in message.text
            assert f"booking reference {BOOKING_ID}" in message.html


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("kind", "context_for", "key"),
    [
        ("booking_confirmed", common, "client_name"),
        ("therapist_assigned", common, "kit_name"),
        ("booking_reminder", lambda locale: reminder(locale, 24), "hours_before"),
        ("booking_rescheduled", rescheduled, "previous_when"),
        ("booking_cancelled", lambda locale: cancelled(locale, by_clinic=False, late=True), "late"),
        ("booking_rejected", lambda locale: rejected(locale, 2), "reason"),
        ("therapist_day_schedule", day_schedule, "appointments"),
        ("review_pending", review_pending, "again"),
        ("review_waiting", review_waiting, "client_first_name"),
        ("booking_approved", common, "when"),
        ("booking_declined", lambda locale: declined(locale, 1), "alternative_name"),
        ("booking_declined", lambda locale: declined(locale, 1), "automatic"),
    ],
)
def test_a_missing_value_is_an_error_not_a_blank(kind: str, context_for: Any, key: str, locale: str) -> None:
    context = context_for(locale)
    del context[key]
    with pytest.raises(UndefinedError, match=key):
        render(kind, locale, context)


@pytest.mark.parametrize("kind", ["booking_confirmed", "therapist_assigned", "booking_rejected"])
def test_english_messages_queued_before_locations_and_links_existed_still_render(kind: str) -> None:
    if kind == "booking_rejected":
        context = rejected("en", 0)
        del context["alternatives"], context["booking_url"]
    else:
        context = common("en")
        del context["location_name"], context["location_address"], context["manage_link"]
    message = render(kind, "en", context)
    assert TREATMENT in message.text and "Where:" not in message.text and "These times" not in message.text


# ---- what each message says ---------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_a_confirmation_says_what_when_where_and_with_whom(locale: str) -> None:
    context = common(locale)
    message = render("booking_confirmed", locale, context)
    if locale == "en":
        assert message.subject == (
            "Confirmed: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 1:00 PM"
        )
        facts = ["Hello <b>Maria</b> & Co,", "1:00\u202fPM (Europe/Berlin)", "45 minutes", "What to expect:"]
        facts += ["Before you come:", "Afterwards:", "The attached calendar entry adds the visit to your calendar."]
    else:
        assert (
            message.subject
            == "Bestätigt: Medical Massage: Back & Leg + Cupping am Dienstag, 1. Dezember 2026 um 13:00 Uhr"
        )
        facts = ["Guten Tag <b>Maria</b> & Co,", "13:00 Uhr (Europe/Berlin)", "45 Minuten", "Was Sie erwartet:"]
        facts += ["Vor Ihrem Termin:", "Nach der Behandlung:", "angehängten Kalendereintrag"]
    facts += ["Anna Keller", ROOM[locale], "Praxis Mitte", "Torstraße 1, 10119 Berlin", context["summary"], MANAGE_LINK]
    facts += context["what_to_expect"] + context["preparation"] + context["aftercare"]
    for fact in facts:
        assert fact in message.text, fact
    assert TREATMENT_HTML in message.html
    assert 'href="https://clinic.example/manage/#booking=6f1c2d3e&amp;token=abc.def-gh_i"' in message.html
    assert KIT[locale] not in message.text  # the kit is the therapist's business


@pytest.mark.parametrize("locale", LOCALES)
def test_a_confirmation_without_optional_parts_leaves_no_empty_headings(locale: str) -> None:
    message = render("booking_confirmed", locale, common(locale, bare=True))
    for gone in ("What to expect", "Before you come", "Afterwards", "Room", "Was Sie erwartet", "Raum", "<ul>"):
        assert gone not in message.text and gone not in message.html, gone
    assert "https://" not in message.everything and "<a " not in message.html
    assert "Praxis Mitte" in message.text and "Torstraße" not in message.text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_therapist_hears_about_the_client_room_kit_time_and_place(locale: str) -> None:
    message = render("therapist_assigned", locale, common(locale))
    if locale == "en":
        assert (
            message.subject
            == "New client: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 1:00 PM"
        )
        assert message.text.startswith("Hello Anna Keller,")
        facts = [f"Client:     {CLIENT}", "Cupping kit: Cupping kit A", "(45 minutes)", "1:00\u202fPM (Europe/Berlin)"]
    else:
        assert (
            message.subject
            == "Neuer Termin: Medical Massage: Back & Leg + Cupping am Dienstag, 1. Dezember 2026 um 13:00 Uhr"
        )
        assert message.text.startswith("Hallo Anna Keller,")
        facts = [
            f"Gebucht von:    {CLIENT}",
            "Schröpfset:     Schröpfset A",
            "(45 Minuten)",
            "13:00 Uhr (Europe/Berlin)",
        ]
    for fact in [*facts, ROOM[locale], "Praxis Mitte", "Torstraße 1, 10119 Berlin"]:
        assert fact in message.text, fact
    assert f"<td>{KIT[locale]}</td>" in message.html and f"<td>{CLIENT_HTML}</td>" in message.html
    assert MANAGE_LINK not in message.text  # the client's own link is not for the therapist

    bare = render("therapist_assigned", locale, common(locale, bare=True))
    assert "Cupping kit" not in bare.text and "Schröpfset" not in bare.text


@pytest.mark.parametrize(
    ("locale", "hours_before", "subject"),
    [
        ("en", 24, "Reminder: Medical Massage: Back & Leg + Cupping tomorrow at 1:00 PM"),
        ("en", 12, "Reminder: Medical Massage: Back & Leg + Cupping tomorrow at 1:00 PM"),
        ("en", 2, "Reminder: Medical Massage: Back & Leg + Cupping today at 1:00 PM"),
        ("de", 24, "Erinnerung: Medical Massage: Back & Leg + Cupping morgen um 13:00 Uhr"),
        ("de", 2, "Erinnerung: Medical Massage: Back & Leg + Cupping heute um 13:00 Uhr"),
    ],
)
def test_a_reminder_says_today_or_tomorrow_how_to_prepare_and_where(
    locale: str, hours_before: int, subject: str
) -> None:
    context = reminder(locale, hours_before)
    message = render("booking_reminder", locale, context)
    assert message.subject == subject
    day = {("en", True): "tomorrow", ("en", False): "today", ("de", True): "morgen", ("de", False): "heute"}
    assert day[locale, hours_before >= 12] in message.text
    for fact in [
        *context["preparation"],
        "Praxis Mitte",
        "Torstraße 1, 10119 Berlin",
        MANAGE_LINK,
        context["when"]["date"],
    ]:
        assert fact in message.text, fact


@pytest.mark.parametrize("locale", LOCALES)
def test_a_rescheduled_visit_says_from_when_to_when(locale: str) -> None:
    context = rescheduled(locale)
    message = render("booking_rescheduled", locale, context)
    previous, now = context["previous_when"], context["when"]
    text = flat(message.text)
    if locale == "en":
        assert (
            message.subject
            == "Rescheduled: Medical Massage: Back & Leg + Cupping is now on Tuesday, December 1, 2026 at 1:00 PM"
        )
        assert flat(f"moved from {previous['date']} at {previous['time']} to {now['date']} at {now['time']}") in text
        assert "The attached calendar entry updates the visit in your calendar." in message.text
    else:
        assert message.subject == (
            "Termin verschoben: Medical Massage: Back & Leg + Cupping jetzt am Dienstag, 1. Dezember 2026 um 13:00 Uhr"
        )
        assert flat(f"von {previous['date']}, {previous['time']} Uhr auf {now['date']}, {now['time']} Uhr") in text
        assert "Der angehängte Kalendereintrag aktualisiert den Termin in Ihrem Kalender." in message.text
    assert previous["date"] in message.html and now["date"] in message.html


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("by_clinic", "late"), [(False, False), (False, True), (True, False), (True, True)])
def test_a_cancellation_apologises_or_confirms_and_notes_a_late_one(locale: str, by_clinic: bool, late: bool) -> None:
    message = render("booking_cancelled", locale, cancelled(locale, by_clinic, late))
    late_note = LATE_NOTE[locale]
    assert (late_note in message.text) is (late and not by_clinic)
    assert (late_note in message.html) is (late and not by_clinic)
    if locale == "en":
        apology, confirmation = "We are very sorry", "As you asked, we have cancelled"
        removed = "The attached calendar update removes the visit from your calendar."
        subject = "We had to cancel your" if by_clinic else "Cancellation confirmed:"
    else:
        apology, confirmation = "es tut uns sehr leid", "wie gewünscht haben wir den folgenden Termin"
        removed = "Mit dem angehängten Kalendereintrag wird der Termin aus Ihrem Kalender entfernt."
        subject = "Wir mussten Ihren Termin für" if by_clinic else "Absage bestätigt:"
    assert message.subject.startswith(subject)
    assert (apology in message.text) is by_clinic
    assert (confirmation in message.text) is not by_clinic
    assert removed in message.text and removed in message.html
    assert TREATMENT in message.subject and "Praxis Mitte" in message.text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_clinics_reason_for_cancelling_is_told(locale: str) -> None:
    reason = "Our therapist is ill & cannot come"
    message = render("booking_cancelled", locale, {**cancelled(locale, True, False), "reason": reason})
    said = {"en": "The reason: ", "de": "Der Grund: "}[locale]
    assert said + reason in message.text
    assert said + reason.replace("&", "&amp;") in message.html
    assert said not in render("booking_cancelled", locale, cancelled(locale, True, False)).text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_rejection_gives_the_reason_and_the_free_times(locale: str, count: int) -> None:
    context = rejected(locale, count, booking_url=BOOKING_URL if count else "")
    message = render("booking_rejected", locale, context)
    if locale == "en":
        assert (
            message.subject
            == "We could not confirm your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026"
        )
        reason, heading, joiner, suffix = f"Why: {REASON}.", "These times are free right now:", " at ", ""
    else:
        assert message.subject == (
            "Wir konnten Ihren Termin für Medical Massage: Back & Leg + Cupping am Dienstag, 1. Dezember 2026 "
            "nicht bestätigen"
        )
        reason, heading, joiner, suffix = f"Grund: {REASON}.", "Diese Zeiten sind im Moment noch frei:", " um ", " Uhr"
    assert reason in message.text and reason in message.html
    assert (heading in message.text) is bool(count) and (heading in message.html) is bool(count)
    for slot in context["alternatives"]:
        assert f"  - {slot['date']}{joiner}{slot['time']}{suffix}\n" in message.text
        assert f"<li>{slot['date']}{joiner}{slot['time']}{suffix}</li>" in message.html
    assert message.text.count("  - ") == count and message.html.count("<li>") == count
    assert (BOOKING_URL in message.text) is bool(count)
    assert (BOOKING_URL.replace("&", "&amp;") in message.html) is bool(count)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_day_schedule_lists_every_appointment(locale: str) -> None:
    context = day_schedule(locale)
    message = render("therapist_day_schedule", locale, context)
    expected_subject = {
        "en": "Your schedule for Tuesday, December 1, 2026: 3 appointments",
        "de": "Ihr Tagesplan für Dienstag, 1. Dezember 2026: 3 Termine",
    }
    assert message.subject == expected_subject[locale]
    for appointment in context["appointments"]:
        for key in ("time", "end_time", "treatment_name", "client_name"):
            assert appointment[key] in message.text, appointment[key]
        assert appointment["time"] in message.html
    for name in ("Hans Weber", "Lena Fischer", CLIENT_HTML, KIT[locale], ROOM[locale]):
        assert name in message.html, name
    assert "Praxis Mitte" in message.text
    # The schedule's id is only a reference in the footer, never called a booking.
    assert message.text.count(SCHEDULE_ID) == 1 and message.html.count(SCHEDULE_ID) == 1
    assert message.text.rstrip().endswith(SCHEDULE_ID)
    assert "ooking reference" not in message.everything and "Buchungsnummer" not in message.everything


@pytest.mark.parametrize("locale", LOCALES)
def test_a_day_without_appointments_says_so(locale: str) -> None:
    message = render("therapist_day_schedule", locale, day_schedule(locale, empty=True))
    if locale == "en":
        assert message.subject == "Your schedule for Tuesday, December 1, 2026: no appointments"
        assert "You have no appointments on Tuesday, December 1, 2026" in message.text
    else:
        assert message.subject == "Ihr Tagesplan für Dienstag, 1. Dezember 2026: keine Termine"
        assert "für Dienstag, 1. Dezember 2026 sind keine Termine für Sie eingetragen" in message.text
    assert "<table" not in message.html


def test_one_appointment_is_not_plural() -> None:
    context = day_schedule("en")
    context["appointments"] = context["appointments"][:1]
    assert render("therapist_day_schedule", "en", context).subject.endswith(": 1 appointment")
    german = day_schedule("de")
    german["appointments"] = german["appointments"][:1]
    assert render("therapist_day_schedule", "de", german).subject.endswith(": 1 Termin")


# ---- a screened client's reminder asks again ----------------------------------------------------

HEALTH_QUESTION = {
    "en": "Has anything about your health changed since you answered our questions?",
    "de": "Hat sich an Ihrer Gesundheit etwas geändert, seit Sie unsere Fragen beantwortet haben?",
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("hours_before", [24, 2])
def test_a_screened_clients_reminder_asks_whether_their_health_changed(locale: str, hours_before: int) -> None:
    asked = render("booking_reminder", locale, reminder(locale, hours_before, screened=True))
    not_asked = render("booking_reminder", locale, reminder(locale, hours_before))

    update = {"en": "update your answers before the visit, using the link below", "de": "aktualisieren Sie bitte"}
    for part in (asked.text, asked.html):
        assert HEALTH_QUESTION[locale] in flat(part.replace("<strong>", "").replace("</strong>", ""))
        assert update[locale] in part
    assert MANAGE_LINK in asked.text
    assert HEALTH_QUESTION[locale] not in not_asked.text and "Antworten" not in not_asked.everything
    assert "answers" not in not_asked.everything


@pytest.mark.parametrize("locale", LOCALES)
def test_a_screened_reminder_without_a_link_asks_to_be_told(locale: str) -> None:
    message = render("booking_reminder", locale, reminder(locale, 24, bare=True, screened=True))
    told = {
        "en": "If so, please let us know before the visit.",
        "de": "Dann geben Sie uns bitte vor dem Termin Bescheid.",
    }
    assert told[locale] in message.text and told[locale] in message.html
    assert "<a " not in message.html


@pytest.mark.parametrize("locale", LOCALES)
def test_english_and_german_reminders_queued_before_screening_existed_still_render(locale: str) -> None:
    context = reminder(locale, 24)
    del context["screened"]
    assert HEALTH_QUESTION[locale] not in render("booking_reminder", locale, context).text


# ---- clinical review: held, approved, declined --------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("again", [False, True])
def test_review_pending_says_what_is_held_and_that_an_email_follows_either_way(locale: str, again: bool) -> None:
    message = render("review_pending", locale, review_pending(locale, again=again))
    text = flat(message.text)
    if locale == "en":
        subject = "We are reviewing your updated answers: " if again else "We are reviewing your answers: "
        facts = [
            "Your room and therapist are held for you at this time",
            "You will hear from us either way",
            "If nobody can look at your answers in time before the visit, we will tell you.",
        ]
        first, updated = "a therapist will look at your answers", "A therapist will look at your updated answers"
        on_hold = "until then your visit is on hold"
    else:
        subject = "Wir prüfen Ihre aktualisierten Antworten: " if again else "Wir prüfen Ihre Antworten: "
        facts = [
            "Raum und Therapeut/in sind zu dieser Zeit für Sie reserviert",
            "Sie erhalten in jedem Fall",
            "Sollte niemand Ihre Antworten rechtzeitig vor dem Termin ansehen können, teilen wir Ihnen das mit.",
        ]
        first, updated = "Ihre Antworten auf unsere Gesundheitsfragen an", "Ihre neuen Antworten an"
        on_hold = "bis dahin ist Ihr Termin vorläufig zurückgestellt"
    assert message.subject.startswith(subject) and TREATMENT in message.subject
    for fact in [*facts, "Anna Keller", ROOM[locale], "Praxis Mitte", MANAGE_LINK, common(locale)["when"]["date"]]:
        assert flat(fact) in text, fact
    assert (updated in text) is again and (on_hold in text) is again
    assert (first in text) is not again
    assert not message.html.count(".ics") and "calendar" not in message.everything.lower()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("staff_copy", [False, True])
def test_review_waiting_names_only_the_clients_first_name_and_sends_staff_to_the_front_desk(
    locale: str, staff_copy: bool
) -> None:
    message = render("review_waiting", locale, review_waiting(locale, staff_copy=staff_copy))
    greeting = {("en", False): "Hello Anna Keller,", ("en", True): "Hello team,",
                ("de", False): "Hallo Anna Keller,", ("de", True): "Hallo zusammen,"}  # fmt: skip
    assert message.text.startswith(greeting[locale, staff_copy])
    front_desk = {"en": "Please open the front desk to see the answers", "de": "Bitte öffnen Sie den Front Desk"}
    assert front_desk[locale] in message.text
    assert message.subject.startswith({"en": "Review waiting: ", "de": "Prüfung offen: "}[locale])
    assert CLIENT not in message.text and "& Co" not in message.text
    assert f"<td>{CLIENT_HTML}</td>" not in message.html and "<td>&lt;b&gt;Maria&lt;/b&gt;</td>" in message.html
    for fact in (TREATMENT, "Praxis Mitte", "Anna Keller", common(locale)["when"]["date"]):
        assert fact in message.text, fact
    assert MANAGE_LINK not in message.everything  # the client's own link is not for staff


@pytest.mark.parametrize("locale", LOCALES)
def test_an_approval_is_a_confirmation_that_says_a_therapist_approved(locale: str) -> None:
    context = common(locale)
    approved, confirmed = render("booking_approved", locale, context), render("booking_confirmed", locale, context)
    said = {
        "en": ("A therapist has looked at your answers and approved the visit.", "Approved and confirmed: "),
        "de": ("eine Therapeutin oder ein Therapeut hat Ihre Antworten angesehen und den Termin freigegeben.",
               "Freigegeben und bestätigt: "),
    }  # fmt: skip
    line, subject = said[locale]
    assert line in approved.text and line not in confirmed.text
    assert approved.subject.startswith(subject) and approved.subject.endswith(confirmed.subject.split(": ", 1)[1])
    # Everything a confirmation shows, in the same words, after its own opening.
    assert approved.text.split("\n\n", 2)[2] == confirmed.text.split("\n\n", 2)[2]
    assert flat(line) in flat(approved.html.replace("<strong>", "").replace("</strong>", ""))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("count", [0, 2])
def test_a_decline_gives_staffs_reason_releases_the_time_and_offers_the_alternative(locale: str, count: int) -> None:
    context = declined(locale, count)
    message = render("booking_declined", locale, context)
    if locale == "en":
        assert message.subject == (
            "We could not go ahead with your Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026"
        )
        reason, released = "Why: we would rather see you for a treatment without cupping.", "has been released"
        offer, heading = f"we would be glad to offer you {ALTERNATIVE}", "These times are free"
        joiner, suffix = " at ", ""
    else:
        assert message.subject == (
            "Wir können Ihren Termin für Medical Massage: Back & Leg + Cupping am Dienstag, 1. Dezember 2026 "
            "nicht durchführen"
        )
        reason, released = "Grund: we would rather see you for a treatment without cupping.", "wieder freigegeben"
        offer, heading = f"bieten wir Ihnen gern {ALTERNATIVE} an", "Zeiten frei"
        joiner, suffix = " um ", " Uhr"
    assert reason in message.text and reason in message.html  # one full stop, whoever typed it
    assert released in message.text and offer in message.text
    assert offer.replace("&", "&amp;") in message.html.replace("<strong>", "").replace("</strong>", "")
    assert (heading in message.text) is bool(count)
    for slot in context["alternatives"]:
        assert f"  - {slot['date']}{joiner}{slot['time']}{suffix}\n" in message.text
    assert BOOKING_URL in message.text
    assert "contact" not in message.text and "wenden Sie sich" not in message.text


@pytest.mark.parametrize("locale", LOCALES)
def test_an_automatic_decline_says_the_answers_could_not_be_reviewed_in_time(locale: str) -> None:
    message = render("booking_declined", locale, declined(locale, 0, automatic=True, alternative=""))
    said = {
        "en": ("we could not review your answers to our health questions in time before the visit",
               "Please contact the clinic"),
        "de": ("Wir konnten Ihre Antworten auf unsere Gesundheitsfragen nicht rechtzeitig vor dem Termin prüfen",
               "Bitte wenden Sie sich an die Praxis"),
    }  # fmt: skip
    why, contact = said[locale]
    assert why in message.text and why in message.html
    assert contact in message.text and contact in message.html
    assert DECLINE_REASON not in message.everything  # staff's words are for a decline by staff
    assert ALTERNATIVE not in message.everything and BOOKING_URL not in message.text
