"""`make demo`: book one Back & Leg + Cupping session through the HTTP API and show the client's email.

Runs against the platform `make run` started (ports from CATALOG_PORT / BOOKING_PORT, defaults 8001/8002).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BOOKING = f"http://127.0.0.1:{os.environ.get('BOOKING_PORT', '8002')}"
NOTIFICATIONS = f"http://127.0.0.1:{os.environ.get('NOTIFICATIONS_PORT', '8003')}"
CATALOG = f"http://127.0.0.1:{os.environ.get('CATALOG_PORT', '8001')}"
TREATMENT = "back-leg-cupping"
DEADLINE = 60.0


def wait_for(what: str, check: object, timeout: float = DEADLINE) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            result = check()  # type: ignore[operator]
        except httpx.HTTPError:
            result = None
        if result:
            return result
        time.sleep(0.5)
    sys.exit(f"gave up waiting for {what} after {timeout:.0f} s: is `make run` running?")


def first_free_slot(client: httpx.Client) -> str:
    def find() -> str | None:
        day = date.today() + timedelta(days=1)
        for _ in range(14):
            answer = client.get(f"{BOOKING}/availability", params={"treatment": TREATMENT, "date": day.isoformat()})
            if answer.status_code == 200 and answer.json()["slots"]:
                return str(answer.json()["slots"][0])
            day += timedelta(days=1)
        return None

    return str(wait_for("an available slot (the booking service learns the catalog first)", find))


def no_concerns(questionnaire: dict[str, Any] | None) -> dict[str, str]:
    """The answers of a client with nothing to report: the first `ok` option of every question asked
    (text questions left empty); {} for a treatment without a questionnaire."""
    answers = {}
    for question in (questionnaire or {}).get("questions", []):
        ok = [option["value"] for option in question["options"] if option["outcome"] == "ok"]
        if question["kind"] != "text" and ok:
            answers[question["code"]] = ok[0]
    return answers


def questionnaire(client: httpx.Client, treatment: str, catalog: str = CATALOG) -> dict[str, Any] | None:
    """The treatment's intake questionnaire from the catalog API at `catalog`, or None when it asks nothing."""
    answer = client.get(f"{catalog}/questionnaires/{treatment}")
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    return dict(answer.json()) if answer.json()["active"] else None


def main() -> None:
    with httpx.Client(timeout=10) as client:
        wait_for("the booking API", lambda: client.get(f"{BOOKING}/health").status_code == 200)
        start = first_free_slot(client)
        answers = no_concerns(questionnaire(client, TREATMENT))
        print(f"Booking {TREATMENT} at {start}, answering {len(answers)} intake questions with no concerns ...")
        answer = client.post(
            f"{BOOKING}/bookings",
            json={
                "treatment": TREATMENT,
                "start": start,
                "client": {"name": "Maria Demo", "email": "maria@example.com"},
                "answers": answers,
            },
        )
        answer.raise_for_status()
        accepted = answer.json()
        print(f"  {answer.status_code}: booking {accepted['id']} is {accepted['status']}")
        headers = {"X-Booking-Token": accepted["token"]}

        def settled() -> dict | None:
            booking = client.get(f"{BOOKING}/bookings/{accepted['id']}", headers=headers).json()
            return booking if booking["status"] != "pending" else None

        booking = wait_for("the booking to be confirmed or rejected", settled)
        assert isinstance(booking, dict)
        for key in ("status", "treatment", "start", "end", "room_name", "cupping_kit_name", "therapist_name", "reason"):
            if booking.get(key):
                print(f"  {key:17} {booking[key]}")
        print_client_email(accepted["id"])


def print_client_email(booking_id: str) -> None:
    folder = ROOT / "var" / "mail"

    def find() -> Path | None:
        for path in sorted(folder.glob("*.eml")):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if booking_id in str(message["Message-ID"]) and message["To"] == "maria@example.com":
                return path
        return None

    if os.environ.get("SMTP_HOST"):
        print(
            f"\nMail goes to {os.environ['SMTP_HOST']}; see its inbox, "
            f"or GET {NOTIFICATIONS}/deliveries?booking_id={booking_id}"
        )
        return
    path = wait_for("the client's email in var/mail", find)
    assert isinstance(path, Path)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    print(f"\nThe client's email ({path.relative_to(ROOT)}):\n")
    for header in ("From", "To", "Subject", "Message-ID"):
        print(f"{header}: {message[header]}")
    print()
    print(message.get_body(preferencelist=("plain",)).get_content())


if __name__ == "__main__":
    main()
