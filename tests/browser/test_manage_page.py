"""The booking's own page (web/manage/), opened from the link in the client's email, in a real browser
against the whole platform: it shows the visit, moves it to another listed time and cancels it (each
followed by its email); a forged link and a link after the visit show one clear message and nothing else."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.dates import format_date, format_time
from playwright.sync_api import Page, expect
from sqlalchemy import update

from services.booking.adapters.orm import booking as booking_table
from tests.browser.conftest import PHONE, manage_link_in, screenshot
from tests.e2e.platform import ADMIN_KEY, TZ, Platform
from tests.e2e.test_booking_flow import book, clean_answers, mails_to, settled
from tests.support.clock import at, now, working_day
from tests.support.servers import wait_until

WAIT = 90_000  # ms: anything that waits on workers
TREATMENT_NAME = "Back & Leg + Cupping"


def _client(tag: str) -> str:
    return f"manage-{tag}-{uuid.uuid4().hex[:8]}@example.com"


def _plain(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content().replace("\u202f", " ")


def _mail(platform: Platform, address: str, subject: str) -> EmailMessage:
    """The first email to `address` whose subject contains `subject`, waiting for it."""
    return wait_until(
        lambda: next((m for m in mails_to(platform, address) if subject in m["Subject"]), None),
        timeout=90,
        message=f"no email '{subject}' reached {address}",
    )


def _confirmed_with_link(platform: Platform, day_number: int, tag: str) -> tuple[dict[str, Any], str, str]:
    """A booking confirmed by the workers, its client's address and the manage link from its confirmation email."""
    email = _client(tag)
    accepted = book(platform, at(working_day(day_number), 13).isoformat(), email)
    booking = settled(platform, accepted)
    assert booking["status"] == "confirmed", booking
    link = manage_link_in(_mail(platform, email, "Confirmed"))
    assert link, "the confirmation email carries no manage link"
    assert f"booking={accepted['id']}&token=" in link
    return booking, email, link


def _open(page: Page, platform: Platform, link: str) -> None:
    assert link.startswith(platform.urls["web"] + "/manage/#"), link
    page.goto(link)


def _spoken(platform: Platform, iso: str, locale: str = "en") -> str:
    """How the emails name a start: the same babel formats the notifications use."""
    local = datetime.fromisoformat(iso).astimezone(TZ)
    day = format_date(local, "full", locale=locale)
    return f"{day} at {format_time(local, 'short', locale=locale)}".replace("\u202f", " ")


def _page_time(page: Page, iso: str) -> str:
    """The start as the page writes a time: Intl in the browser's variant of the page's language (en-GB
    here: 13:00), the clinic's zone."""
    return page.evaluate(
        "([iso, lang]) => new Intl.DateTimeFormat("
        "navigator.languages.find((tag) => tag.toLowerCase().split('-')[0] === lang) ?? lang, "
        "{hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Berlin'}).format(new Date(iso))",
        [iso, page.evaluate("document.documentElement.lang")],
    )


def test_the_email_link_shows_the_visit_moves_it_and_cancels_it(web_platform: Platform, phone: Page) -> None:
    booking, email, link = _confirmed_with_link(web_platform, 6, "flow")
    console = _console(phone)
    _open(phone, web_platform, link)

    expect(phone.locator("#booking-status")).to_have_text("Confirmed", timeout=WAIT)
    assert "#" not in phone.url and "token" not in phone.url and booking["id"] not in phone.url
    facts = phone.locator("dl.facts")
    expect(facts).to_contain_text(TREATMENT_NAME)
    expect(facts).to_contain_text(booking["therapist_name"])
    expect(facts).to_contain_text(booking["room_name"])
    expect(facts).to_contain_text(_page_time(phone, booking["start"]))
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Add to my calendar (booking.ics)").click()
    assert download.value.suggested_filename == "booking.ics"
    ics = Path(download.value.path()).read_text()
    assert ics.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "manage-confirmed")

    phone.reload()  # the link is kept for this tab, though gone from the address bar
    expect(phone.locator("#booking-status")).to_have_text("Confirmed", timeout=WAIT)

    # Move it: the week from the server's today; not the week's first listed time (another test's).
    phone.get_by_role("button", name="Show other times").click()
    slots = phone.locator("#move-form input[name=slot]")
    expect(slots.first).to_be_attached(timeout=WAIT)
    first_week = phone.locator("#week-label").inner_text()
    expect(phone.get_by_role("button", name="Earlier week")).to_be_disabled()  # nothing before the server's today
    phone.get_by_role("button", name="Next week").click()
    expect(phone.locator("#week-label")).not_to_have_text(first_week, timeout=WAIT)
    expect(slots.first).to_be_attached(timeout=WAIT)
    days = phone.locator("#move-day option")
    phone.locator("#move-day").select_option(index=days.count() - 1)
    assert slots.count() > 2
    chosen = slots.last
    new_start = chosen.get_attribute("value")
    assert new_start and new_start != booking["start"]
    phone.locator(f"label[for='{chosen.get_attribute('id')}']").click()
    expect(chosen).to_be_checked()
    screenshot(phone, "manage-move")
    phone.get_by_role("button", name="Move my visit to this time").click()

    expect(phone.locator("#message")).to_contain_text("Your visit was moved to", timeout=WAIT)
    expect(phone.locator("#message")).to_contain_text(_page_time(phone, new_start))
    expect(facts).to_contain_text(_page_time(phone, new_start))
    expect(phone.locator("#booking-status")).to_have_text("Confirmed")
    screenshot(phone, "manage-moved")
    moved = _mail(web_platform, email, "Rescheduled")
    assert _spoken(web_platform, new_start) in moved["Subject"].replace("\u202f", " ")
    assert _spoken(web_platform, new_start).split(" at ")[0] in _plain(moved)

    # Cancel it: the page says whether it is late first, then asks.
    phone.get_by_role("button", name="Cancel this visit …").click()
    expect(phone.get_by_text("Do you really want to cancel this visit?")).to_be_visible()
    expect(phone.locator("#cancel-question")).to_be_focused()
    phone.get_by_role("button", name="Yes, cancel my visit").click()

    expect(phone.locator("#booking-status")).to_have_text("Cancelled", timeout=WAIT)
    expect(phone.locator("#message")).to_contain_text("Your visit is cancelled")
    expect(phone.locator("form")).to_have_count(0)
    screenshot(phone, "manage-cancelled")
    cancelled = _mail(web_platform, email, "Cancellation confirmed")
    assert _spoken(web_platform, new_start) in cancelled["Subject"].replace("\u202f", " ")
    _assert_clean(console, link)


def _console(page: Page) -> list[str]:
    """Everything the page writes to the console, and every page error (a CSP violation shows here)."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
    return seen


def _assert_clean(console: list[str], link: str) -> None:
    token = link.split("&token=")[1]
    assert not [line for line in console if "Content Security Policy" in line or "pageerror" in line], console
    assert not [line for line in console if token in line], "the token reached the console"


def test_a_forged_link_shows_one_clear_message_and_nothing_of_the_booking(web_platform: Platform, phone: Page) -> None:
    booking, _, link = _confirmed_with_link(web_platform, 9, "forged")
    prefix, token = link.split("&token=")
    forged = f"{prefix}&token={token[:-4]}{'AAAA' if not token.endswith('AAAA') else 'BBBB'}"
    _open(phone, web_platform, forged)

    expect(phone.locator("#link-problem")).to_have_text(
        "This link is not valid. Please use the link in your latest email or contact the clinic.", timeout=WAIT
    )
    app = phone.locator("#app")
    for nothing in ("form", "button", "input", "dl", "section"):
        expect(app.locator(nothing)).to_have_count(0)
    expect(phone.locator("body")).not_to_contain_text(TREATMENT_NAME)
    expect(phone.locator("body")).not_to_contain_text(booking["therapist_name"])
    assert "#" not in phone.url and "token" not in phone.url
    screenshot(phone, "manage-forged")


def test_a_link_after_the_visit_stopped_working(web_platform: Platform, phone: Page) -> None:
    booking, _, link = _confirmed_with_link(web_platform, 8, "ended")
    # Arrangement: the visit now lies in the past (the booking service reads its times from here).
    start = now() - timedelta(days=2)
    with web_platform.engine("booking").begin() as db:
        db.execute(
            update(booking_table)
            .where(booking_table.c.id == booking["id"])
            .values(start_at=start, end_at=start + timedelta(minutes=45))
        )
    _open(phone, web_platform, link)

    expect(phone.locator("#link-problem")).to_contain_text("This link stopped working after your visit", timeout=WAIT)
    for nothing in ("form", "button", "dl"):
        expect(phone.locator("#app").locator(nothing)).to_have_count(0)
    expect(phone.locator("body")).not_to_contain_text(TREATMENT_NAME)
    screenshot(phone, "manage-ended")


def test_without_a_link_the_page_says_to_open_the_email(web_platform: Platform, phone: Page) -> None:
    phone.goto(web_platform.urls["web"] + "/manage/")
    expect(phone.locator("#link-problem")).to_have_text(
        "To see or change your booking, please open the link from your email.", timeout=WAIT
    )
    expect(phone.locator("#app form")).to_have_count(0)


@pytest.fixture
def german(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    yield context.new_page()
    context.close()


def test_german_browser_gets_the_page_in_german_and_can_switch(web_platform: Platform, german: Page) -> None:
    _, _, link = _confirmed_with_link(web_platform, 7, "de")
    _open(german, web_platform, link)

    expect(german.locator("#booking-status")).to_have_text("Bestätigt", timeout=WAIT)
    expect(german.locator("html")).to_have_attribute("lang", "de")
    expect(german.get_by_role("heading", name="Ihr Termin", exact=True)).to_be_visible()
    expect(german.get_by_role("button", name="Termin absagen", exact=False).first).to_be_visible()
    expect(german.get_by_role("group", name="Nehmen Sie blutverdünnende Medikamente", exact=False)).to_be_visible()
    screenshot(german, "manage-de")

    german.get_by_label("Language / Sprache").select_option("en")
    expect(german.locator("#booking-status")).to_have_text("Confirmed")
    expect(german.get_by_role("heading", name="Your visit", exact=True)).to_be_visible()


def test_answers_needing_review_hold_the_visit_until_a_therapist_approves(
    web_platform: Platform, desktop: Page
) -> None:
    booking, _, link = _confirmed_with_link(web_platform, 10, "review")
    _open(desktop, web_platform, link)
    expect(desktop.locator("#booking-status")).to_have_text("Confirmed", timeout=WAIT)

    # A red flag is advice, not an error, and changes nothing.
    desktop.locator("label[for='q-fever-0']").click()
    desktop.get_by_role("button", name="Save my answers").click()
    expect(desktop.locator("#answers-result")).to_contain_text("Please read this before your visit", timeout=WAIT)
    expect(desktop.locator("#answers-form .advice")).to_contain_text("Please do not come while you are ill")
    expect(desktop.locator("#booking-status")).to_have_text("Confirmed")
    desktop.locator("label[for='q-fever-1']").click()

    # Keyboard alone: the blood-thinners question's "Yes", then save.
    answers = clean_answers(web_platform)
    assert answers.get("blood_thinners") == "no"
    expect(desktop.locator("#q-blood_thinners-1")).to_be_checked()  # the answers given when booking
    desktop.locator("#q-blood_thinners-0").focus()
    desktop.keyboard.press("Space")
    expect(desktop.locator("#q-blood_thinners-0")).to_be_checked()
    desktop.get_by_role("button", name="Save my answers").focus()
    desktop.keyboard.press("Enter")

    expect(desktop.locator("#answers-result")).to_have_text(
        "Your answers are saved. A therapist will look at them before your visit.", timeout=WAIT
    )
    expect(desktop.locator("#booking-status")).to_have_text("Waiting for a therapist", timeout=WAIT)
    expect(desktop.get_by_role("button", name="Show other times")).to_have_count(0)
    screenshot(desktop, "manage-review")

    approved = httpx.post(
        f"{web_platform.booking}/bookings/{booking['id']}/approve", headers={"X-API-Key": ADMIN_KEY}, timeout=30
    )
    assert approved.status_code == 200, approved.text
    expect(desktop.locator("#booking-status")).to_have_text("Confirmed", timeout=WAIT)  # by itself


def test_a_time_taken_meanwhile_is_said_and_fresh_times_are_listed(web_platform: Platform, desktop: Page) -> None:
    booking, _, link = _confirmed_with_link(web_platform, 11, "taken")
    _open(desktop, web_platform, link)
    expect(desktop.locator("#booking-status")).to_have_text("Confirmed", timeout=WAIT)
    desktop.get_by_role("button", name="Show other times").click()
    slots = desktop.locator("#move-form input[name=slot]")
    expect(slots.first).to_be_attached(timeout=WAIT)
    desktop.get_by_role("button", name="Next week").click()
    expect(desktop.get_by_role("button", name="Earlier week")).to_be_enabled(timeout=WAIT)
    days = desktop.locator("#move-day option")
    desktop.locator("#move-day").select_option(index=days.count() - 1)
    chosen = slots.nth(slots.count() - 3)
    taken = chosen.get_attribute("value")
    assert taken
    desktop.locator(f"label[for='{chosen.get_attribute('id')}']").click()

    # Meanwhile two other clients take both cupping therapists and kits at that time.
    for n in range(2):
        settled(web_platform, book(web_platform, taken, _client(f"rival{n}")))
    desktop.get_by_role("button", name="Move my visit to this time").click()

    expect(desktop.locator("#move-form .notice.bad")).to_contain_text("That time was just taken", timeout=WAIT)
    expect(desktop.locator(f"#move-form input[value='{taken}']")).to_have_count(0)
    expect(slots.first).to_be_attached()
    expect(desktop.locator("dl.facts")).to_contain_text(_page_time(desktop, booking["start"]))  # kept its time
    screenshot(desktop, "manage-taken")
