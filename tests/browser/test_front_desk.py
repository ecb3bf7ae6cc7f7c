"""The front desk page (web/desk/) in a real browser against the whole platform: staff sign in with their
own accounts (created here through the catalog's admin API with the machine key), see a location's day
(therapists, rooms and kits against the clock, utilisation), open a booking and record how the visit
went, work the review queue and enter time off. A therapist sees only its own day and the reviews of its
own visits; a refused or ended sign-in brings back the form."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.browser.conftest import manage_link_in, screenshot
from tests.e2e.platform import ADMIN_KEY, Platform, utc_naive
from tests.e2e.test_booking_flow import TREATMENT, clean_answers, mails_to, settled
from tests.support.clock import at, now, working_day
from tests.support.servers import wait_until

WORKERS = 90_000  # ms: anything that waits on Celery workers
TREATMENT_NAME = "Back & Leg + Cupping"
ONE_PM = re.compile(r"13:00|0?1:00\sPM")  # English times come as the shared i18n.js formats them
SESSION = "clinic.desk.session"  # the page's sessionStorage key for the sign-in


@dataclass(frozen=True)
class StaffAccount:
    email: str
    password: str
    name: str
    id: str = ""


def staff_account(
    platform: Platform, role: str, name: str, locations: list[str], therapist: str | None = None
) -> StaffAccount:
    """An account made as an admin script would: the catalog's accounts API with the machine key."""
    email, password = f"{role}-{uuid.uuid4().hex[:8]}@clinic.example", secrets.token_urlsafe(18)
    body = {
        "email": email,
        "name": name,
        "role": role,
        "locations": locations,
        "therapist": therapist,
        "password": password,
    }
    answer = httpx.post(
        f"{platform.urls['catalog']}/staff/accounts", json=body, headers={"X-API-Key": ADMIN_KEY}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    return StaffAccount(email, password, name, answer.json()["id"])


def changed(platform: Platform, account: StaffAccount, change: dict[str, Any]) -> None:
    """An admin's change to an account (PUT /staff/accounts/<id>), with the machine key."""
    answer = httpx.put(
        f"{platform.urls['catalog']}/staff/accounts/{account.id}",
        json=change,
        headers={"X-API-Key": ADMIN_KEY},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


# One account per test: the catalog counts sign-in attempts per email (RATE_LIMIT_SIGN_IN_PER_EMAIL, 5 a
# minute), successful ones included.
@pytest.fixture
def front_desk(web_platform: Platform) -> Iterator[StaffAccount]:
    yield staff_account(web_platform, "front_desk", "Frieda Desk", ["main"])


@pytest.fixture
def admin(web_platform: Platform) -> Iterator[StaffAccount]:
    yield staff_account(web_platform, "admin", "Ada Admin", [])


@pytest.fixture
def anna(web_platform: Platform) -> Iterator[StaffAccount]:
    """The seed's therapist Anna Keller, with an account of her own."""
    yield staff_account(web_platform, "therapist", "Anna Keller", ["main"], therapist="anna-keller")


def session_in(page: Page) -> dict[str, Any] | None:
    """What the page keeps in the tab's sessionStorage for the sign-in (None when signed out)."""
    saved = page.evaluate(f"sessionStorage.getItem('{SESSION}')")
    return json.loads(saved) if saved else None


def booked(
    platform: Platform,
    start: str,
    first_name: str,
    answers: dict[str, str] | None = None,
    therapist: str | None = None,
) -> dict[str, Any]:
    """A booking made through the booking API, as the booking page would; settled (no longer pending)."""
    email = f"{first_name.lower()}-{uuid.uuid4().hex[:6]}@example.com"
    body = {
        "treatment": TREATMENT,
        "start": start,
        "client": {"name": f"{first_name} Schmidt", "email": email},
        "answers": clean_answers(platform) if answers is None else answers,
        "therapist": therapist,
    }
    answer = httpx.post(f"{platform.booking}/bookings", json=body, timeout=30)
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    return {**accepted, "email": email, "booking": settled(platform, accepted)}


def sign_in(page: Page, account: StaffAccount) -> None:
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, platform: Platform, account: StaffAccount) -> None:
    page.goto(f"{platform.urls['web']}/desk/")
    sign_in(page, account)
    expect(page.locator("#who")).to_contain_text(f"Signed in as {account.name}")
    expect(page.locator("#grid .grid-row").first).to_be_visible(timeout=30_000)


def show_day(page: Page, day: str) -> None:
    page.locator("#day").fill(day)
    expect(page.locator("#day-title")).not_to_be_empty()
    expect(page.locator("#day")).to_have_value(day)


def block(page: Page, kind: str, code: str, booking_id: str) -> Any:
    return page.locator(f'.grid-row[data-kind="{kind}"][data-code="{code}"] .block[data-booking="{booking_id}"]')


def percent_of(label: str) -> int:
    found = re.search(r"(\d+)\s*%", label)
    assert found, label
    return int(found.group(1))


def test_staff_see_the_day_and_record_a_completed_visit(
    web_platform: Platform, desktop: Page, front_desk: StaffAccount
) -> None:
    """A booking on working_day(8) shows on its therapist's, room's and kit's rows. The domain records
    `completed` only once the visit has started (model.Booking._after_start): the desk shows the API's
    409 for a visit still ahead; then, since the platform runs on the real clock, the test moves this
    one booking's start into the past in the booking database (a visit under way), completes it from the
    page, and puts the start back so the grid shows it where it was, now completed."""
    first = f"Mila{uuid.uuid4().hex[:4]}"
    day = working_day(8)
    made = booked(web_platform, at(day, 13).isoformat(), first)
    booking = made["booking"]
    assert booking["status"] == "confirmed", booking

    signed_in(desktop, web_platform, front_desk)
    expect(desktop.locator("#who")).to_have_text("Signed in as Frieda Desk (front desk)")
    expect(desktop.locator("#location option")).to_have_text(["Clinic Mitte"])  # its own locations only
    show_day(desktop, day.isoformat())
    for kind, code in (
        ("therapist", booking["therapist"]),
        ("room", booking["room"]),
        ("cupping_kit", booking["cupping_kit"]),
    ):
        shown = block(desktop, kind, code, made["id"])
        expect(shown).to_contain_text(first)
        expect(shown).to_contain_text(TREATMENT_NAME)
        expect(shown).to_contain_text(ONE_PM)
    therapist_row = desktop.locator(f'.grid-row[data-kind="therapist"][data-code="{booking["therapist"]}"]')
    assert percent_of(therapist_row.locator(".row-util").inner_text()) > 0
    assert percent_of(desktop.locator("#day-utilisation").inner_text()) > 0
    screenshot(desktop, "desk-day")

    # Keyboard: the block is a button that opens the details.
    block(desktop, "therapist", booking["therapist"], made["id"]).focus()
    desktop.keyboard.press("Enter")
    dialog = desktop.get_by_role("dialog")
    expect(dialog).to_contain_text(first)
    expect(dialog.locator("[data-booking-status]")).to_have_text("confirmed")
    dialog.get_by_role("button", name="Mark completed").click()
    expect(dialog.locator(".notice.bad")).to_contain_text("only once it has started")  # the API's 409, as said
    screenshot(desktop, "desk-refused")

    original = utc_naive(at(day, 13))
    with web_platform.engine("booking").begin() as db:  # the visit is under way
        db.execute(
            text("UPDATE booking SET start_at = :start WHERE id = :id"),
            {"start": utc_naive(now() - timedelta(minutes=30)), "id": made["id"]},
        )
    dialog.get_by_role("button", name="Mark completed").click()
    expect(dialog.locator("[data-booking-status]")).to_have_text("completed")
    expect(dialog.locator(".notice.good")).to_contain_text("Marked completed")
    with web_platform.engine("booking").begin() as db:
        db.execute(text("UPDATE booking SET start_at = :start WHERE id = :id"), {"start": original, "id": made["id"]})
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(desktop.locator("#grid .hour-mark")).to_have_count(12, timeout=30_000)  # 08:00-20:00 again, refreshed

    shown = block(desktop, "therapist", booking["therapist"], made["id"])
    expect(shown).to_have_attribute("data-status", "completed", timeout=30_000)
    expect(shown).to_contain_text("completed")
    expect(shown).to_be_focused()  # focus came back to the block it left, through the refresh
    screenshot(desktop, "desk-completed")


def test_a_review_is_approved_at_the_desk_and_the_client_sees_it_confirmed(
    web_platform: Platform, desktop: Page, browser: Any, front_desk: StaffAccount
) -> None:
    first = f"Rhea{uuid.uuid4().hex[:4]}"
    answers = {**clean_answers(web_platform), "blood_thinners": "yes"}
    made = booked(web_platform, at(working_day(9), 10).isoformat(), first, answers)
    assert made["booking"]["status"] == "needs_review", made["booking"]

    signed_in(desktop, web_platform, front_desk)
    card = desktop.locator(f'#reviews .review[data-booking="{made["id"]}"]')
    expect(card).to_contain_text(f"{first} Schmidt")
    expect(card).to_contain_text(TREATMENT_NAME)
    expect(card.locator("dd.flagged").first).to_contain_text("Yes")  # the blood-thinner answer, marked for a look
    screenshot(desktop, "desk-review")
    card.get_by_role("button", name="Approve").click()
    expect(card).to_have_count(0, timeout=30_000)
    expect(desktop.locator("#status")).to_have_text("Approved: the booking is confirmed.")

    def manage_link() -> str | None:
        for mail in mails_to(web_platform, made["email"]):
            if ".review_pending." in str(mail["Message-ID"]) and (link := manage_link_in(mail)):
                return link
        return None

    link = wait_until(manage_link, timeout=90, message="the review_pending email carried no self-service link")
    client = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-GB")
    try:
        page = client.new_page()
        page.goto(link)
        expect(page.get_by_text("Confirmed", exact=True).first).to_be_visible(timeout=WORKERS)
        screenshot(page, "desk-review-client-sees-confirmed")
    finally:
        client.close()


def test_time_off_entered_at_the_desk_takes_the_hours_from_the_therapists_row(
    web_platform: Platform, desktop: Page, admin: StaffAccount
) -> None:
    """Clara Weiss works 09:00-17:00 (480 minutes); two hours off leave 360 on the grid. An admin does it."""
    day = working_day(10).isoformat()
    signed_in(desktop, web_platform, admin)
    expect(desktop.locator("#who")).to_have_text("Signed in as Ada Admin (administrator)")
    show_day(desktop, day)
    clara = desktop.locator('.grid-row[data-kind="therapist"][data-code="clara-weiss"]')
    expect(clara.locator(".row-minutes")).to_have_text("0/480 min")

    form = desktop.locator("#time-off-form")
    form.get_by_label("Therapist").select_option("clara-weiss")
    form.get_by_label("Date").fill(day)
    form.get_by_label("From").fill("09:00")
    form.get_by_label("To").fill("11:00")
    form.get_by_label("Reason (staff only)").fill("training")
    form.get_by_role("button", name="Save time off").click()
    expect(desktop.locator("#status")).to_have_text("Time off saved for Clara Weiss.")
    expect(clara.locator(".row-minutes")).to_have_text("0/360 min", timeout=WORKERS)  # polling picks it up
    screenshot(desktop, "desk-time-off")


def test_a_wrong_password_is_refused_and_the_grid_fits_a_phone(
    web_platform: Platform, phone: Page, front_desk: StaffAccount
) -> None:
    """A wrong password: the API's own message, focus on it, still the form, nothing kept. At 375 px the
    page keeps its width; the grid scrolls sideways and opens at the day's first visit. Signing out
    forgets the sign-in."""
    phone.goto(f"{web_platform.urls['web']}/desk/")
    expect(phone.get_by_label("Email")).to_have_attribute("autocomplete", "username")
    expect(phone.get_by_label("Password")).to_have_attribute("autocomplete", "current-password")
    sign_in(phone, StaffAccount(front_desk.email, "not-the-password", front_desk.name))
    error = phone.locator("#sign-in-error")
    expect(error).to_have_text("the email or password is wrong")  # the catalog's 401 detail
    expect(error).to_be_focused()
    expect(phone.get_by_label("Password")).to_have_value("")
    expect(phone.locator("#desk")).to_be_hidden()
    assert session_in(phone) is None
    screenshot(phone, "desk-wrong-password")

    late = booked(web_platform, at(working_day(11), 16).isoformat(), f"Pia{uuid.uuid4().hex[:4]}")
    sign_in(phone, front_desk)
    expect(phone.locator("#grid .grid-row").first).to_be_visible(timeout=30_000)
    kept = session_in(phone)
    assert kept is not None and kept["account"]["role"] == "front_desk"
    assert phone.evaluate("localStorage.getItem('clinic.desk.session')") is None  # the tab only
    assert "token" not in phone.url and kept["token"] not in phone.url
    show_day(phone, working_day(11).isoformat())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # only the grid scrolls sideways
    therapist = late["booking"]["therapist"]
    expect(block(phone, "therapist", therapist, late["id"])).to_be_in_viewport()  # scrolled to the day's first visit
    screenshot(phone, "desk-phone")

    phone.get_by_label("Language / Sprache").select_option("de")
    expect(phone.get_by_role("heading", name="Empfang")).to_be_visible()
    expect(phone.get_by_role("heading", name="Räume")).to_be_visible()  # the grid is drawn again in German
    phone.get_by_role("button", name="Abmelden").click()
    expect(phone.get_by_label("E-Mail")).to_be_focused()
    expect(phone.locator("#desk")).to_be_hidden()
    assert session_in(phone) is None


def test_the_clinic_cancels_with_a_reason_by_keyboard_alone(
    web_platform: Platform, desktop: Page, front_desk: StaffAccount
) -> None:
    made = booked(web_platform, at(working_day(12), 9).isoformat(), f"Ida{uuid.uuid4().hex[:4]}")
    booking = made["booking"]
    signed_in(desktop, web_platform, front_desk)
    show_day(desktop, working_day(12).isoformat())
    shown = block(desktop, "room", booking["room"], made["id"])
    shown.focus()
    desktop.keyboard.press("Enter")
    dialog = desktop.get_by_role("dialog")
    dialog.get_by_role("button", name="Cancel booking…").focus()
    desktop.keyboard.press("Enter")
    reason = dialog.get_by_label("Why the clinic cancels (told to the client)")
    expect(reason).to_be_focused()
    desktop.keyboard.press("Enter")  # no reason yet: said at the field
    expect(dialog.locator(".field-error")).to_have_text("Please give a reason.")
    desktop.keyboard.type("The therapist is ill")
    desktop.keyboard.press("Enter")
    expect(dialog.locator("[data-booking-status]")).to_have_text("cancelled")
    screenshot(desktop, "desk-cancelled")
    desktop.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(shown).to_have_count(0, timeout=30_000)  # a cancelled visit leaves the grid
    answer = httpx.get(f"{web_platform.booking}/bookings/{made['id']}", headers={"X-API-Key": ADMIN_KEY})
    assert answer.json()["status"] == "cancelled"


def test_a_therapist_sees_only_its_own_day_and_the_reviews_of_its_own_visits(
    web_platform: Platform, desktop: Page, anna: StaffAccount
) -> None:
    """Two visits waiting for review on one day, one with Anna Keller, one with Ben Okafor: Anna's account
    sees hers in its day and its review queue, never Ben's, and no location picker or time off."""
    day = working_day(13)
    answers = {**clean_answers(web_platform), "blood_thinners": "yes"}
    her_client, his_client = f"Lea{uuid.uuid4().hex[:4]}", f"Tom{uuid.uuid4().hex[:4]}"
    hers = booked(web_platform, at(day, 10).isoformat(), her_client, answers, "anna-keller")
    his = booked(web_platform, at(day, 14).isoformat(), his_client, answers, "ben-okafor")
    assert hers["booking"]["therapist"] == "anna-keller" and his["booking"]["therapist"] == "ben-okafor"

    desktop.goto(f"{web_platform.urls['web']}/desk/")
    sign_in(desktop, anna)
    expect(desktop.locator("#who")).to_have_text("Signed in as Anna Keller (therapist)")
    expect(desktop.locator("#my-day")).to_be_visible(timeout=30_000)
    show_day(desktop, day.isoformat())
    expect(desktop.locator("#day-title")).to_contain_text("Your day")
    visits = desktop.locator("#my-day .visit")
    expect(visits.and_(desktop.locator(f'[data-booking="{hers["id"]}"]'))).to_contain_text(TREATMENT_NAME)
    expect(desktop.locator(f'#my-day [data-booking="{his["id"]}"]')).to_have_count(0)
    expect(desktop.get_by_role("heading", name="Reviews of your visits")).to_be_visible()
    expect(desktop.locator(f'#reviews .review[data-booking="{hers["id"]}"]')).to_contain_text(f"{her_client} Schmidt")
    expect(desktop.locator(f'#reviews .review[data-booking="{his["id"]}"]')).to_have_count(0)
    for booking in desktop.locator("#reviews .review").all():  # every card is one of Anna's visits
        expect(booking.locator(".facts dd").nth(1)).to_have_text("Anna Keller")
    expect(desktop.get_by_label("Location")).to_be_hidden()
    expect(desktop.locator("#time-off-section")).to_be_hidden()
    expect(desktop.locator("#grid")).to_be_hidden()
    screenshot(desktop, "desk-therapist")


def test_a_refused_sign_in_goes_back_to_the_form(
    web_platform: Platform, desktop: Page, front_desk: StaffAccount
) -> None:
    """A token the APIs refuse (401: here a forged signature, as after a changed STAFF_TOKEN_SECRET) brings
    back the sign-in form with a message, and the page forgets it."""
    signed_in(desktop, web_platform, front_desk)
    kept = session_in(desktop)
    assert kept is not None
    header, payload, _signature = kept["token"].split(".")
    desktop.evaluate(
        "([key, token]) => { const s = JSON.parse(sessionStorage.getItem(key)); s.token = token;"
        " sessionStorage.setItem(key, JSON.stringify(s)); }",
        [SESSION, f"{header}.{payload}.{'x' * 43}"],
    )
    desktop.reload()
    error = desktop.locator("#sign-in-error")
    expect(error).to_have_text("Your sign-in has ended or is no longer valid. Please sign in again.", timeout=30_000)
    expect(error).to_be_focused()
    expect(desktop.locator("#desk")).to_be_hidden()
    assert session_in(desktop) is None
    screenshot(desktop, "desk-sign-in-refused")


def test_the_sign_in_is_renewed_while_open_and_ends_when_it_cannot_be(
    web_platform: Platform, desktop: Page, front_desk: StaffAccount
) -> None:
    """The page's clock runs fast here (Playwright's clock): 14 minutes into a 15-minute token the page has
    renewed it at the catalog; when renewals fail (the catalog unreachable) and the token's time is up,
    the page says so and shows the sign-in form."""
    desktop.clock.install()
    signed_in(desktop, web_platform, front_desk)
    first = session_in(desktop)
    assert first is not None
    with desktop.expect_response("**/staff/sessions/refresh") as renewal:
        desktop.clock.fast_forward("14:00")
    assert renewal.value.status == 201
    wait_until(
        lambda: (kept := session_in(desktop)) and kept["endsAt"] > first["endsAt"] + 10 * 60_000,
        timeout=10,
        message="the renewed sign-in was not kept",
    )
    expect(desktop.locator("#desk")).to_be_visible()

    desktop.route("**/staff/sessions/refresh", lambda route: route.abort())
    desktop.clock.fast_forward("16:00")
    expect(desktop.locator("#sign-in-error")).to_have_text("Your sign-in has expired. Please sign in again.")
    expect(desktop.get_by_label("Email")).to_be_visible()
    assert session_in(desktop) is None


def test_too_many_sign_in_attempts_say_when_to_try_again(web_platform: Platform, phone: Page) -> None:
    """The catalog allows 5 sign-in attempts a minute per email (RATE_LIMIT_SIGN_IN_PER_EMAIL): the sixth is
    a 429, and the form shows its message with when to try again (Retry-After)."""
    phone.goto(f"{web_platform.urls['web']}/desk/")
    nobody = StaffAccount(f"nobody-{uuid.uuid4().hex[:8]}@clinic.example", "not-a-password", "Nobody")
    error = phone.locator("#sign-in-error")
    for _ in range(5):
        with phone.expect_response("**/staff/sessions") as answer:
            sign_in(phone, nobody)
        assert answer.value.status == 401
        expect(error).to_have_text("the email or password is wrong")
    with phone.expect_response("**/staff/sessions") as answer:
        sign_in(phone, nobody)
    assert answer.value.status == 429
    expect(error).to_contain_text("too many sign-in attempts")
    expect(error).to_contain_text(re.compile(r"try again in \d+ seconds"))
    expect(error).to_be_focused()
    assert session_in(phone) is None
    screenshot(phone, "desk-too-many-attempts")


def test_an_admins_change_to_an_account_reaches_the_open_desk_at_its_next_renewal(
    web_platform: Platform, desktop: Page, front_desk: StaffAccount
) -> None:
    """The page's clock runs fast (Playwright's clock). Moved to a location the catalog does not list, the
    front desk account's open page says it has no location to work at once its token is renewed; disabled,
    its next renewal is refused and the page goes back to the sign-in form."""
    desktop.clock.install()
    signed_in(desktop, web_platform, front_desk)
    changed(web_platform, front_desk, {"locations": ["north"]})
    with desktop.expect_response("**/staff/sessions/refresh") as renewal:
        desktop.clock.fast_forward("14:00")
    assert renewal.value.status == 201
    expect(desktop.locator("#desk-error")).to_have_text(
        "Your account has no location to work at. Please ask an administrator."
    )
    expect(desktop.locator("#grid .grid-row")).to_have_count(0)
    expect(desktop.locator("#location option")).to_have_count(0)

    changed(web_platform, front_desk, {"active": False})
    with desktop.expect_response("**/staff/sessions/refresh") as renewal:
        desktop.clock.fast_forward("14:00")
    assert renewal.value.status == 401
    expect(desktop.locator("#sign-in-error")).to_have_text(
        "Your sign-in has ended or is no longer valid. Please sign in again."
    )
    assert session_in(desktop) is None
