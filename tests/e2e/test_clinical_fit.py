"""Screening before cupping on the real platform (workers, Redis, SMTP): clean answers confirm as before,
a blood-thinner answer waits for a therapist who approves or declines, a red-flag answer books nothing,
an unreviewed booking is declined before its visit, and the answers never leave the booking database."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from celery import Celery
from sqlalchemy import text

from tests.e2e.platform import ADMIN_KEY, FRONT_DESK, Platform
from tests.e2e.test_booking_flow import book, clean_answers, mails_to, settled
from tests.support.clock import at, working_day
from tests.support.servers import wait_until

SECRET = f"apixaban-{uuid.uuid4().hex[:8]}"  # a free-text answer: it must reach nobody but staff and its client
STAFF = {"X-API-Key": ADMIN_KEY}


def kinds(messages: list[EmailMessage]) -> list[str]:
    """Message kinds, from the Message-IDs (<booking.kind.vN.reader@domain>)."""
    return [str(m["Message-ID"]).split(".")[1] for m in messages]


def answering(platform: Platform, **changed: str) -> dict[str, str]:
    return {**clean_answers(platform), **changed}


def in_review(platform: Platform, day: int, hour: int) -> tuple[dict[str, Any], str]:
    client = f"review-{uuid.uuid4().hex[:8]}@example.com"
    accepted = book(platform, at(working_day(day), hour).isoformat(), client,
                    answering(platform, blood_thinners="yes", notes=SECRET))  # fmt: skip
    assert settled(platform, accepted)["status"] == "needs_review"
    return accepted, client


def staff_post(platform: Platform, path: str, **body: str) -> httpx.Response:
    return httpx.post(f"{platform.booking}{path}", json=body or None, headers=STAFF, timeout=30)


def test_clean_answers_confirm_as_before(platform: Platform) -> None:
    client = f"clean-{uuid.uuid4().hex[:8]}@example.com"
    accepted = book(platform, at(working_day(8), 9).isoformat(), client)
    booking = settled(platform, accepted)
    assert booking["status"] == "confirmed" and booking["screening"] == "ok"
    wait_until(lambda: "booking_confirmed" in kinds(mails_to(platform, client)), message="no confirmation")


def test_a_blood_thinner_answer_waits_for_a_therapist_who_approves(platform: Platform) -> None:
    accepted, client = in_review(platform, 8, 10)
    wait_until(lambda: kinds(mails_to(platform, client)) == ["review_pending"], message="no 'we are reviewing'")
    wait_until(lambda: mails_to(platform, FRONT_DESK), message="the front desk heard of no waiting review")
    queue = httpx.get(f"{platform.booking}/reviews", headers=STAFF).json()
    waiting = next(r for r in queue if r["id"] == accepted["id"])
    assert waiting["therapist"] and waiting["room"] and waiting["cupping_kit"]  # everything held meanwhile
    assert SECRET in [a["answer"] for a in waiting["answers"]["answers"]]  # staff see the answers

    approved = staff_post(platform, f"/bookings/{accepted['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    wait_until(lambda: "booking_approved" in kinds(mails_to(platform, client)), message="no approval email")
    assert sorted(kinds(mails_to(platform, client))) == ["booking_approved", "review_pending"]  # one confirmation


def test_a_declined_review_releases_everything_and_offers_back_and_neck(platform: Platform) -> None:
    accepted, client = in_review(platform, 9, 10)
    declined = staff_post(platform, f"/bookings/{accepted['id']}/decline", reason="Cupping is not advisable now")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["room"] is None and declined.json()["therapist"] is None

    def declined_mail() -> EmailMessage | None:
        found = [m for m in mails_to(platform, client) if ".booking_declined." in str(m["Message-ID"])]
        return found[0] if found else None

    mail = wait_until(declined_mail, message="no 'we could not go ahead' email")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Cupping is not advisable now" in body and "Back & Neck" in body


def test_a_red_flag_answer_books_nothing_and_says_whom_to_see(platform: Platform) -> None:
    client = f"red-flag-{uuid.uuid4().hex[:8]}@example.com"
    body = {
        "treatment": "back-leg-cupping",
        "start": at(working_day(9), 15).isoformat(),
        "client": {"name": "Maria Schmidt", "email": client},
        "answers": answering(platform, saddle_numbness="yes"),
    }
    refused = httpx.post(f"{platform.booking}/bookings", json=body, timeout=30)
    assert refused.status_code == 422 and refused.json()["outcome"] == "refer"
    assert "doctor" in " ".join(refused.json()["advice"]).lower()
    with platform.engine("booking").connect() as db:
        stored = db.execute(text("SELECT count(*) FROM booking WHERE client_email = :e"), {"e": client})
        assert stored.scalar_one() == 0


def test_a_review_nobody_does_is_declined_before_the_visit(platform: Platform) -> None:
    accepted, client = in_review(platform, 1, 13)  # within the platform's 4-day review deadline
    Celery("e2e", broker=platform.env["REDIS_URL"], set_as_current=False).send_task(
        "booking.decline_unreviewed", queue="booking"
    )  # what the scheduler sends every minute

    def status() -> str:
        answer = httpx.get(
            f"{platform.booking}/bookings/{accepted['id']}", headers={"X-Booking-Token": accepted["token"]}
        )
        return str(answer.json()["status"])

    wait_until(lambda: status() == "declined", timeout=90, message="the unreviewed booking was never declined")
    wait_until(lambda: "booking_declined" in kinds(mails_to(platform, client)), message="the client was not told")


def test_answers_are_the_clients_and_staffs_only_and_leave_no_trace(platform: Platform) -> None:
    mine, _ = in_review(platform, 10, 11)
    other = book(platform, at(working_day(10), 15).isoformat(), f"other-{uuid.uuid4().hex[:8]}@example.com")
    url = f"{platform.booking}/bookings/{mine['id']}/answers"
    assert httpx.get(url, headers={"X-Booking-Token": other["token"]}).status_code == 404
    assert httpx.get(url).status_code == 404
    assert SECRET in httpx.get(url, headers={"X-Booking-Token": mine["token"]}).text
    wait_until(lambda: mails_to(platform, FRONT_DESK), message="no notice")

    for file in platform.logs.glob("*.log"):
        assert SECRET not in file.read_text(errors="replace"), f"{file.name} shows a health answer"
    for service in ("catalog", "booking", "notifications"):
        with platform.engine(service).connect() as db:
            events = " ".join(str(row) for row in db.execute(text("SELECT envelope FROM outbox_message")))
            assert SECRET not in events and "blood_thinners" not in events, f"{service} events carry answers"
    with platform.engine("notifications").connect() as db:
        assert SECRET not in " ".join(str(row) for row in db.execute(text("SELECT * FROM delivery")))
    for message in platform.smtp.received():
        assert SECRET not in message.message.as_string()

    assert httpx.delete(url, headers={"X-Booking-Token": mine["token"]}).status_code == 204
    assert httpx.get(url, headers=STAFF).status_code == 404  # erased on the client's word, for everyone


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_catalog_guides_a_client_to_the_treatment_for_their_pain(platform: Platform, locale: str) -> None:
    sciatica, neck = {"en": ("sciatica", "neck"), "de": ("Ischias", "Nacken")}[locale]
    ranked = [
        httpx.post(f"{platform.urls['catalog']}/guidance", json={**asked, "locale": locale}).json()
        for asked in ({"complaints": [sciatica]}, {"areas": [neck]})
    ]
    assert ranked[0]["treatments"][0]["slug"] == "back-leg-cupping" and ranked[0]["red_flags"]
    assert ranked[1]["treatments"][0]["slug"] == "back-neck"
