"""The client's booking page (web/book/) in Chromium against the whole platform: a keyboard-only booking
at phone width confirmed by real workers, "where does it hurt?" guidance with red-flag advice, a retry
after a lost answer that books once, errors at their fields, referral advice, and German."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.browser.conftest import PHONE, screenshot
from tests.e2e.platform import ADMIN_KEY, Platform
from tests.e2e.test_booking_flow import CUPPING_THERAPISTS, TREATMENT, clean_answers

pytest.importorskip("playwright")
from playwright.sync_api import Page, Route, expect

THERAPIST_NAMES = {"anna-keller": "Anna Keller", "ben-okafor": "Ben Okafor"}
WORKERS = 90_000  # ms: anything that waits on the Celery workers
LOADED = 30_000  # ms: the page's own API calls


def tab_to(page: Page, target: Any, limit: int = 200, key: str = "Tab") -> None:
    """Press Tab until `target` has the focus: it is reachable with the keyboard alone."""
    target.wait_for(state="visible", timeout=LOADED)
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus after {limit} presses of {key}")


def open_page(page: Page, platform: Platform) -> None:
    page.goto(f"{platform.urls['web']}/book/")
    expect(page.locator(f"#treatments button[data-treatment='{TREATMENT}']")).to_be_visible(timeout=LOADED)


def choose_cupping_and_time(page: Page, which: str) -> str:
    """Click through to the details form at the week's first or last listed time; returns that start."""
    page.locator(f"#treatments button[data-treatment='{TREATMENT}']").click()
    times = page.locator("#times button.time")
    expect(times.first).to_be_visible(timeout=LOADED)
    if which == "last":  # each day folds away; the first day with times starts open
        last_day = page.locator("#times details.day").last
        if not last_day.evaluate("el => el.open"):
            last_day.locator("summary").click()
    slot = times.first if which == "first" else times.last
    expect(slot).to_be_visible()
    start = slot.get_attribute("data-start")
    assert start
    slot.click()
    expect(page.locator("#client-name")).to_be_visible()
    return start


def answer(page: Page, answers: dict[str, str]) -> None:
    for code, value in answers.items():
        page.locator(f"#q-{code}-{value}").check()


def bookings_for(platform: Platform, email: str) -> list[Any]:
    with platform.engine("booking").connect() as db:
        return list(
            db.execute(text("SELECT id, status FROM booking WHERE client_email = :email"), {"email": email}).all()
        )


def test_a_client_books_cupping_with_the_keyboard_alone_on_a_phone(web_platform: Platform, phone: Page) -> None:
    page = phone
    email = f"keys-{uuid.uuid4().hex[:8]}@example.com"
    answers = clean_answers(web_platform)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text} {message.location['url']}"))
    open_page(page, web_platform)
    screenshot(page, "book-1-treatments")

    tab_to(page, page.locator(f"#treatments button[data-treatment='{TREATMENT}']"))
    page.keyboard.press("Enter")
    first = page.locator("#times button.time").first
    expect(first).to_be_visible(timeout=LOADED)
    expect(page.locator("#week-label")).not_to_be_empty()
    screenshot(page, "book-2-times")
    start = first.get_attribute("data-start")
    tab_to(page, first)  # the first listed time
    page.keyboard.press("Enter")

    expect(page.locator("#time-summary")).to_contain_text("Time:")
    tab_to(page, page.locator("#client-name"))
    page.keyboard.type("Maria Schmidt")
    tab_to(page, page.locator("#client-email"))
    page.keyboard.type(email)
    for code, value in answers.items():
        assert value == "no"
        tab_to(page, page.locator(f"#q-{code}-yes"))  # Tab enters a radio group at its first answer ...
        page.keyboard.press("ArrowDown")  # ... and an arrow key picks the next one: "no"
        expect(page.locator(f"#q-{code}-no")).to_be_checked()
    screenshot(page, "book-3-details")
    tab_to(page, page.locator("#submit"))
    page.keyboard.press("Enter")

    confirmed = page.locator("#confirmed")
    expect(confirmed).to_be_visible(timeout=WORKERS)
    therapist = page.locator("#booking-therapist")
    expect(therapist).to_contain_text("Therapist:")
    assert any(name in therapist.inner_text() for name in (THERAPIST_NAMES[c] for c in CUPPING_THERAPISTS))
    expect(page.locator("#booking-room")).to_contain_text("Treatment room")
    expect(confirmed).to_contain_text(email)
    reference = page.locator("#booking-reference").inner_text().rsplit(" ", 1)[-1]
    manage = page.locator("#manage")
    assert (manage.get_attribute("href") or "").startswith(f"/manage/#booking={reference}&token=")
    expect(page.get_by_role("heading", name="What to expect")).to_be_visible()
    link = page.locator("a#calendar")
    expect(link).to_have_attribute("download", "booking.ics", timeout=LOADED)
    assert (link.get_attribute("href") or "").startswith("blob:")
    screenshot(page, "book-4-confirmed")
    assert [line for line in console if line.startswith("error")] == []  # no CSP violation, no failure
    assert not any(email in line or "token" in line.lower() for line in console)
    rows = bookings_for(web_platform, email)
    assert [(row.id, row.status) for row in rows] == [(reference, "confirmed")]
    booked = httpx.get(
        f"{web_platform.booking}/bookings/{reference}", headers={"X-API-Key": ADMIN_KEY}, timeout=10
    ).json()
    assert booked["start"] == start  # the first listed time is the one booked


def test_where_it_hurts_ranks_cupping_first_and_shows_red_flag_advice(web_platform: Platform, phone: Page) -> None:
    page = phone
    open_page(page, web_platform)
    page.locator("#guidance-toggle").click()
    expect(page.locator("#guidance-toggle")).to_have_attribute("aria-expanded", "true")
    page.get_by_label("calves", exact=True).check()
    page.get_by_label("sciatica", exact=True).check()
    page.locator("#guidance-submit").click()

    suggestions = page.locator("#guidance-result li.suggestion")
    expect(suggestions.first).to_be_visible(timeout=LOADED)
    expect(suggestions.first).to_have_attribute("data-treatment", TREATMENT)
    expect(suggestions.first).to_contain_text("Best match")
    flags = page.locator("#guidance-result .red-flags")
    expect(flags).to_be_visible()
    expect(flags).to_contain_text("saddle area")
    screenshot(page, "book-guidance")

    suggestions.first.get_by_role("button").click()  # choose straight from the suggestions
    expect(page.locator("#treatment-summary")).to_contain_text("Back & Leg + Cupping")
    expect(page.locator("#times button.time").first).to_be_visible(timeout=LOADED)


def test_a_lost_answer_is_sent_again_with_its_key_and_books_once_even_after_an_edit(
    web_platform: Platform, phone: Page
) -> None:
    page = phone
    email = f"retry-{uuid.uuid4().hex[:8]}@example.com"
    seen: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Route) -> None:
        request = route.request
        if request.method != "POST":
            route.continue_()
            return
        seen.append({"key": request.headers.get("idempotency-key"), "body": request.post_data})
        if len(seen) == 1:
            response = route.fetch()  # the server takes the booking ...
            seen[0]["answer"] = response.json()
            route.abort()  # ... and the browser never hears of it
        else:
            route.continue_()

    page.route(f"{web_platform.urls['booking']}/bookings", lose_the_first_answer)
    open_page(page, web_platform)
    choose_cupping_and_time(page, "last")  # the week's last listed time: clear of the other tests
    page.locator("#client-name").fill("Rita Retry")
    page.locator("#client-email").fill(email)
    answer(page, clean_answers(web_platform))
    page.locator("#submit").click()

    retry = page.locator("#retry")
    expect(retry).to_be_visible(timeout=LOADED)
    expect(page.locator("#form-top")).to_contain_text("Connection lost")
    expect(retry).to_be_focused()
    screenshot(page, "book-retry")
    # The client edits the form before trying again: the booking may exist already, so the page sends
    # the first request again, with its key, rather than a changed one that could book a second visit.
    page.locator("#client-name").fill("Rita R. Retry")
    page.locator("#submit").click()

    expect(page.locator("#confirmed")).to_be_visible(timeout=WORKERS)
    first_id = seen[0]["answer"]["id"]
    expect(page.locator("#booking-reference")).to_contain_text(first_id)
    assert len(seen) == 2
    assert seen[0]["key"] and seen[1]["key"] == seen[0]["key"]
    assert seen[1]["body"] == seen[0]["body"]
    assert [row.id for row in bookings_for(web_platform, email)] == [first_id]


def test_a_bad_email_is_shown_at_its_field_and_a_refer_answer_as_advice(web_platform: Platform, phone: Page) -> None:
    page = phone
    email = f"refer-{uuid.uuid4().hex[:8]}@example.com"
    open_page(page, web_platform)
    choose_cupping_and_time(page, "last")
    page.locator("#client-name").fill("Rolf Referral")
    page.locator("#client-email").fill("not-an-email")
    answer(page, clean_answers(web_platform))
    page.locator("#submit").click()

    email_field = page.locator("#client-email")
    expect(email_field).to_have_attribute("aria-invalid", "true", timeout=LOADED)
    expect(page.locator("#client-email-error")).to_have_text("Please enter a valid email address.")
    expect(email_field).to_be_focused()
    screenshot(page, "book-email-error")

    email_field.fill(email)
    page.locator("#q-saddle_numbness-yes").check()
    page.locator("#submit").click()
    refer = page.locator("#refer")
    expect(refer).to_be_visible(timeout=LOADED)
    expect(refer).to_contain_text("Please see a doctor first")
    expect(refer).to_contain_text("Nothing has been booked")
    expect(refer).to_contain_text("emergency department")  # the questionnaire's own advice
    expect(refer).not_to_have_class("notice bad")
    expect(page.locator("#client-email")).not_to_have_attribute("aria-invalid", "true")
    screenshot(page, "book-refer")
    assert bookings_for(web_platform, email) == []


def test_german_follows_the_browser_and_the_switch_turns_it_english(web_platform: Platform, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    try:
        page = context.new_page()
        open_page(page, web_platform)
        expect(page.locator("h1")).to_have_text("Behandlung buchen")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.locator("#treatments")).to_contain_text("Rücken & Beine + Schröpfen")
        expect(page.locator("#guidance-toggle")).to_have_text("Unsicher? Wo tut es weh?")
        page.locator("#treatments button[data-treatment='back-leg-cupping']").click()
        expect(page.locator("#times button.time").first).to_be_visible(timeout=LOADED)
        expect(page.locator("#week-label")).to_contain_text("Woche ab")
        expect(page.locator("label[for='therapist']")).to_have_text("Therapeut/in")
        screenshot(page, "book-german")

        page.locator("#language-switch").select_option("en")
        expect(page.locator("h1")).to_have_text("Book a treatment")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#week-label")).to_contain_text("Week from")
        expect(page.locator("#treatment-summary")).to_contain_text("Back & Leg + Cupping")
        screenshot(page, "book-english-after-switch")
    finally:
        context.close()


def test_the_week_of_times_reads_on_a_desktop(web_platform: Platform, desktop: Page) -> None:
    open_page(desktop, web_platform)
    desktop.locator(f"#treatments button[data-treatment='{TREATMENT}']").click()
    expect(desktop.locator("#times button.time").first).to_be_visible(timeout=LOADED)
    desktop.locator("#next-week").click()
    expect(desktop.locator("#previous-week")).to_be_enabled(timeout=LOADED)
    desktop.locator("#previous-week").click()
    expect(desktop.locator("#previous-week")).to_be_disabled(timeout=LOADED)  # never before the clinic's today
    therapist = desktop.locator("select#therapist")
    expect(therapist.locator("option")).to_have_text(["Anyone available", "Anna Keller", "Ben Okafor"])
    with desktop.expect_request(lambda r: "/availability" in r.url and "therapist=ben-okafor" in r.url):
        therapist.select_option("ben-okafor")
    expect(desktop.locator("#times button.time").first).to_be_visible(timeout=LOADED)
    screenshot(desktop, "book-desktop-times")


def test_a_time_taken_moments_before_offers_the_times_still_free(web_platform: Platform, phone: Page) -> None:
    """The workers' "rejected" is played by the test (no booking is made): the page says the time was
    taken, lists the week's free times again and keeps what the client typed."""
    page = phone
    web = web_platform.urls["web"]
    cors = {"Access-Control-Allow-Origin": web, "Access-Control-Expose-Headers": "X-Correlation-ID"}

    def accepted(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(status=202, headers=cors, json={"id": "taken", "status": "pending", "token": "t", "links": {}})

    def rejected(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        route.fulfill(status=200, headers=cors, json={"id": "taken", "status": "rejected", "reason": "taken"})

    page.route(f"{web_platform.booking}/bookings", accepted)
    page.route(f"{web_platform.booking}/bookings/taken", rejected)
    open_page(page, web_platform)
    start = choose_cupping_and_time(page, "last")
    page.locator("#client-name").fill("Tina Taken")
    page.locator("#client-email").fill("tina@example.com")
    answer(page, clean_answers(web_platform))
    page.locator("#submit").click()

    notice = page.locator("#when-notice")
    expect(notice).to_contain_text("That time was just taken", timeout=LOADED)
    expect(notice.locator("h3")).to_be_focused()
    expect(page.locator("#times button.time").first).to_be_visible(timeout=LOADED)
    expect(page.locator("#step-details")).to_be_hidden()
    screenshot(page, "book-time-taken")
    others = page.locator(f"#times button.time:not([data-start='{start}'])")
    others.first.click()
    expect(page.locator("#client-name")).to_have_value("Tina Taken")  # nothing typed is lost
