"""A client books Back & Leg + Cupping through the HTTP API; workers confirm it; the SMTP server gets the emails."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from celery import Celery
from sqlalchemy import insert, text

from ops.demo import no_concerns, questionnaire
from services.booking.adapters.orm import booking as booking_table
from tests.e2e.platform import ADMIN_KEY, Platform, utc_naive
from tests.support.clock import at, now, working_day
from tests.support.servers import wait_until

TREATMENT = "back-leg-cupping"
CUPPING_THERAPISTS = {"anna-keller", "ben-okafor"}  # the seed's therapists with medical massage and cupping


def clean_answers(platform: Platform, treatment: str = TREATMENT) -> dict[str, str]:
    """What a client with nothing to report answers to the treatment's intake questions (from the catalog)."""
    with httpx.Client(timeout=10) as client:
        return no_concerns(questionnaire(client, treatment, platform.urls["catalog"]))


def book(
    platform: Platform, start: str, email: str, answers: dict[str, str] | None = None, **headers: str
) -> dict[str, Any]:
    body = {
        "treatment": TREATMENT,
        "start": start,
        "client": {"name": "Maria Schmidt", "email": email},
        "answers": clean_answers(platform) if answers is None else answers,
    }
    answer = httpx.post(f"{platform.booking}/bookings", json=body, headers=headers, timeout=30)
    assert answer.status_code == 202, answer.text
    return answer.json()


def settled(platform: Platform, accepted: dict[str, Any], timeout: float = 90) -> dict[str, Any]:
    def read() -> dict[str, Any] | None:
        answer = httpx.get(
            f"{platform.booking}/bookings/{accepted['id']}", headers={"X-Booking-Token": accepted["token"]}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return body if body["status"] != "pending" else None

    return wait_until(read, timeout=timeout, message=f"booking {accepted['id']} stayed pending")


def mails_to(platform: Platform, address: str) -> list[EmailMessage]:
    return [m.message for m in platform.smtp.received() if address in m.rcpt_tos]


def test_back_leg_cupping_is_confirmed_with_room_kit_therapist_and_emailed(platform: Platform) -> None:
    client = f"maria-{uuid.uuid4().hex[:8]}@example.com"
    correlation = f"corr-{uuid.uuid4().hex}"
    start = at(working_day(4), 13)
    accepted = book(platform, start.isoformat(), client, **{"X-Correlation-ID": correlation})
    assert accepted["status"] == "pending"

    booking = settled(platform, accepted)

    assert booking["status"] == "confirmed", booking
    assert booking["room"] and booking["cupping_kit"]
    assert booking["therapist"] in CUPPING_THERAPISTS
    assert booking["start"] == start.isoformat()
    assert booking["room_name"].startswith("Treatment room") and booking["cupping_kit_name"].startswith("Cupping kit")
    mail = wait_until(lambda: mails_to(platform, client), message="no confirmation email")[0]
    assert mail.get_content_type() == "multipart/mixed"  # text and HTML alternatives, then the calendar entry
    assert [p.get_content_type() for p in mail.iter_parts()] == ["multipart/alternative", "text/calendar"]
    assert "Confirmed" in mail["Subject"] and "Back & Leg + Cupping" in mail["Subject"]
    assert mail["X-Correlation-ID"] == correlation  # the request's id followed the booking to the email
    assert accepted["id"] in mail["Message-ID"]
    plain = mail.get_body(preferencelist=("plain",)).get_content().replace("\u202f", " ")  # CLDR: 1:00\u202fPM
    html = mail.get_body(preferencelist=("html",)).get_content()
    therapist_name = {"anna-keller": "Anna Keller", "ben-okafor": "Ben Okafor"}[booking["therapist"]]
    for fact in (therapist_name, "45 minutes", "1:00 PM", "Europe/Berlin", "fade", "water"):
        assert fact in plain, fact
    assert "Back &amp; Leg + Cupping" in html and therapist_name in html
    therapist_mail = wait_until(
        lambda: mails_to(platform, f"{booking['therapist'].replace('-', '.')}@clinic.example"),
        message="the therapist got no notice",
    )
    assert any(accepted["id"] in m["Message-ID"] for m in therapist_mail)


def test_thirty_clients_racing_for_one_slot_never_share_a_room_kit_or_therapist(platform: Platform) -> None:
    start = at(working_day(6), 13)  # both cupping therapists work at 13:00; there are two kits
    clients = [f"racer-{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        accepted = list(pool.map(lambda email: book(platform, start.isoformat(), email), clients))

    outcomes = [settled(platform, a, timeout=150) for a in accepted]

    statuses = Counter(o["status"] for o in outcomes)
    assert set(statuses) <= {"confirmed", "rejected"}, statuses  # nothing left pending
    confirmed = [o for o in outcomes if o["status"] == "confirmed"]
    assert len(confirmed) == 2, statuses  # two kits and two qualified therapists: exactly two fit
    for key in ("room", "cupping_kit", "therapist"):
        held = [o[key] for o in confirmed]
        assert len(set(held)) == len(held), f"two confirmed bookings share a {key}: {held}"
    assert all(o["reason"] for o in outcomes if o["status"] == "rejected")
    _assert_no_overlapping_claims(platform, start)
    by_id = dict(zip([a["id"] for a in accepted], clients, strict=True))
    for outcome in outcomes:
        wait_until(lambda o=outcome: mails_to(platform, by_id[o["id"]]), message=f"{outcome['id']} got no email")
    for outcome in outcomes:
        subjects = [m["Subject"] for m in mails_to(platform, by_id[outcome["id"]])]
        expected = "Confirmed" if outcome["status"] == "confirmed" else "could not confirm"
        assert len(subjects) == 1 and expected in subjects[0], (outcome, subjects)
    # A refusal offers times that were free when it was sent, looked up from the booking API.
    refusal = (
        next(mails_to(platform, by_id[o["id"]])[0] for o in outcomes if o["status"] == "rejected")
        .get_body(preferencelist=("plain",))
        .get_content()
    )
    assert "These times are free right now:" in refusal


def _assert_no_overlapping_claims(platform: Platform, start: datetime) -> None:
    """Over the whole database: no resource is held by two confirmed bookings whose times overlap."""
    with platform.engine("booking").connect() as db:
        rows = db.execute(
            text("SELECT id, start_at, end_at, resources, therapist FROM booking WHERE status = 'confirmed'")
        ).all()
    held: list[tuple[str, datetime, datetime, str]] = []
    for row in rows:
        resources = row.resources if isinstance(row.resources, dict) else json.loads(row.resources)
        begins = datetime.fromisoformat(str(row.start_at))
        # The longest turnover (the kit's 30 minutes) counts for every resource: a stricter check.
        ends = datetime.fromisoformat(str(row.end_at)) + timedelta(minutes=30)
        for code in [*resources.values(), row.therapist]:
            held.append((code, begins, ends, row.id))
    for i, (code, s1, e1, b1) in enumerate(held):
        for code2, s2, e2, b2 in held[i + 1 :]:
            assert not (code == code2 and b1 != b2 and s1 < e2 and s2 < e1), (code, b1, b2)
    assert sum(begins == utc_naive(start) for _, begins, _, _ in held) == 2 * 3  # room, kit, therapist each


def test_a_redelivered_confirmation_sends_no_second_email(platform: Platform) -> None:
    client = f"twice-{uuid.uuid4().hex[:8]}@example.com"
    accepted = book(platform, at(working_day(5), 14).isoformat(), client)
    assert settled(platform, accepted)["status"] == "confirmed"
    wait_until(lambda: mails_to(platform, client), message="no confirmation email")
    with platform.engine("booking").connect() as db:
        envelope = db.execute(
            text("SELECT envelope FROM outbox_message WHERE type = 'booking.confirmed' AND envelope LIKE :id"),
            {"id": f"%{accepted['id']}%"},
        ).scalar_one()
    sender = Celery("e2e", broker=platform.env["REDIS_URL"], set_as_current=False)
    duplicate = json.loads(envelope)
    same_booking_new_event = {**duplicate, "event_id": str(uuid.uuid4())}
    task_ids = [str(uuid.uuid4()) for _ in range(3)]
    for task_id, body in zip(task_ids, [duplicate, duplicate, same_booking_new_event], strict=True):
        sender.send_task("notifications.on_booking_confirmed", args=[body], queue="notifications", task_id=task_id)

    log = wait_until(
        lambda: (lambda text_: text_ if all(f"{t}] succeeded" in text_ for t in task_ids) else None)(
            platform.log("notifications-worker")
        ),
        timeout=60,
        message="the worker did not handle the redeliveries",
    )
    assert f"{task_ids[0]}] succeeded" in log
    assert len(mails_to(platform, client)) == 1


def test_time_off_entered_in_the_catalog_leaves_availability_at_once(platform: Platform) -> None:
    day = working_day(9)

    def annas_slots() -> list[str]:
        answer = httpx.get(
            f"{platform.booking}/availability",
            params={"treatment": TREATMENT, "date": day.isoformat(), "therapist": "anna-keller"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["slots"]

    assert annas_slots()
    answer = httpx.post(
        f"{platform.urls['catalog']}/therapists/anna-keller/time-off",
        json={"start": at(day, 0).isoformat(), "end": at(day, 23, 59).isoformat(), "note": "training"},
        headers={"X-API-Key": ADMIN_KEY},
    )
    assert answer.status_code == 200, answer.text
    wait_until(lambda: annas_slots() == [], timeout=30, message="Anna's day off never reached availability")


def test_a_booking_whose_message_was_lost_does_not_stay_pending(platform: Platform) -> None:
    client = f"lost-{uuid.uuid4().hex[:8]}@example.com"
    start = at(working_day(10), 10)
    booking_id = str(uuid.uuid4())
    long_ago = now() - timedelta(minutes=10)
    with platform.engine("booking").begin() as db:  # as if the API stored it and the broker then lost the event
        db.execute(
            insert(booking_table).values(
                id=booking_id, treatment=TREATMENT, location="main", status="pending", version=1,
                start_at=start, end_at=start + timedelta(minutes=45),
                client_name="Lost Message", client_email=client, token_hash="0" * 64, resources={},
                correlation_id="lost", created_at=long_ago, updated_at=long_ago,
            )
        )  # fmt: skip
    Celery("e2e", broker=platform.env["REDIS_URL"], set_as_current=False).send_task(
        "booking.resolve_stale_pending", queue="booking"
    )  # what the scheduler sends every 30 seconds

    def status() -> str | None:
        with platform.engine("booking").connect() as db:
            value = db.execute(text("SELECT status FROM booking WHERE id = :id"), {"id": booking_id}).scalar_one()
        return value if value != "pending" else None

    assert wait_until(status, timeout=60, message="the lost booking stayed pending") == "confirmed"
    wait_until(lambda: mails_to(platform, client), message="the confirmation email never came")


def test_no_log_line_carries_a_clients_name_email_or_token(platform: Platform) -> None:
    name, email = f"Private Person {uuid.uuid4().hex[:6]}", f"private-{uuid.uuid4().hex[:8]}@example.com"
    answer = httpx.post(
        f"{platform.booking}/bookings",
        json={"treatment": TREATMENT, "start": at(working_day(11), 13).isoformat(),
              "client": {"name": name, "email": email, "phone": "+49 30 555 0101"},
              "answers": clean_answers(platform)},
    )  # fmt: skip
    accepted = answer.json()
    assert settled(platform, accepted)["status"] in ("confirmed", "rejected")
    wait_until(lambda: mails_to(platform, email), message="no email")
    logs = {path.name: path.read_text(errors="replace") for path in platform.logs.glob("*.log")}
    assert logs and any(accepted["id"] in lines for lines in logs.values())  # the logs do speak of the booking
    for file, lines in logs.items():
        for secret in (name, email, "555 0101", accepted["token"]):
            assert secret not in lines, f"{file} shows {secret!r}"


def test_ops_see_every_service_ready_and_its_numbers(platform: Platform) -> None:
    client = f"metrics-{uuid.uuid4().hex[:8]}@example.com"
    assert settled(platform, book(platform, at(working_day(12), 13).isoformat(), client))["status"] == "confirmed"
    wait_until(lambda: mails_to(platform, client), message="no confirmation email")
    for service, url in platform.urls.items():
        ready = httpx.get(f"{url}/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready", (service, ready.text)
        metrics = httpx.get(f"{url}/metrics").text
        assert "clinic_outbox_unpublished" in metrics, service
    booking_metrics = httpx.get(f"{platform.booking}/metrics").text
    assert 'clinic_bookings{status="confirmed"}' in booking_metrics
    assert (
        'clinic_deliveries{kind="booking_confirmed",status="sent"}'
        in httpx.get(f"{platform.urls['notifications']}/metrics").text
    )
