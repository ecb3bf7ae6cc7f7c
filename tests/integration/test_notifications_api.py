"""The notifications API on a fresh SQLite file: staff read what the clinic owes its clients and therapists.

A confirmed booking makes notifications owe two emails, the client's confirmation and the therapist's notice;
no worker runs here, so both stay queued.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from ops.migrate import migrate
from services.notifications.adapters.repository import SqlRepository
from services.notifications.bootstrap import bootstrap
from services.notifications.config import NotificationSettings
from services.notifications.domain.messages import MailSettings
from services.notifications.entrypoints.api import create_app
from services.notifications.service_layer import owed
from shared.clock import system_clock
from shared.db import SessionFactory, make_engine, make_session_factory, transaction
from shared.events import BookingConfirmed, Envelope
from shared.staff import NO_CREDENTIALS
from tests.integration.notifications import story
from tests.support import clock

ANNA = "anna.keller@clinic.example"


@dataclass(frozen=True)
class NotificationsApi:
    client: TestClient
    writer: SessionFactory
    staff_key: str

    @property
    def staff(self) -> dict[str, str]:
        return {"X-API-Key": self.staff_key}

    def deliveries(
        self, headers: dict[str, str] | None = None, recipient: str | None = None, **params: str
    ) -> Response:
        sent = dict(self.staff if headers is None else headers)
        if recipient is not None:
            sent["X-Recipient"] = recipient  # a header: an address in the URL would land in access logs
        return self.client.get("/deliveries", params=params, headers=sent)

    def hear(self, confirmed: BookingConfirmed) -> None:
        """booking.confirmed arrives, in a new envelope each time, as the broker would deliver it."""
        with transaction(self.writer) as session:
            owed.on_booking_confirmed(
                SqlRepository(session),
                Envelope.wrap(confirmed, "test"),
                MailSettings(domain="clinic.example", sender="bookings@clinic.example", clinic_name="The Clinic"),
                system_clock,
            )

    def confirm(self, client_email: str, therapist_email: str = ANNA) -> str:
        """A booking was confirmed; returns its id."""
        confirmed = confirmation(client_email, therapist_email)
        self.hear(confirmed)
        return confirmed.booking_id


def confirmation(client_email: str, therapist_email: str = ANNA) -> BookingConfirmed:
    start = clock.at(clock.working_day(3), 13)
    therapist = replace(story.ANNA, email=therapist_email)
    return story.confirmed(start, client=story.Client("Maria Schmidt", client_email), therapist=therapist)


@pytest.fixture(scope="module")
def notifications(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotificationsApi]:
    url = f"sqlite:///{tmp_path_factory.mktemp('notifications-api') / 'notifications.db'}"
    staff_key = f"test-staff-{secrets.token_urlsafe(16)}"
    migrate("notifications", url)
    wiring = bootstrap(NotificationSettings(database_url=url, admin_api_key=staff_key))
    engine = make_engine(url)
    try:
        with TestClient(create_app(wiring)) as client:
            yield NotificationsApi(client=client, writer=make_session_factory(engine), staff_key=staff_key)
    finally:
        wiring.database.reset()
        engine.dispose()


def a_client() -> str:
    return f"maria.{uuid.uuid4().hex[:8]}@example.com"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "not-the-key"}], ids=["no-key", "wrong-key"])
def test_the_delivery_log_is_for_staff_only(notifications: NotificationsApi, headers: dict[str, str]) -> None:
    booking_id = notifications.confirm(a_client())

    response = notifications.deliveries(headers, booking_id=booking_id)

    assert response.status_code == 401
    assert response.json()["detail"] == NO_CREDENTIALS
    assert booking_id not in response.text


def test_the_log_asks_which_booking_or_recipient(notifications: NotificationsApi) -> None:
    notifications.confirm(a_client())

    for params in ({}, {"booking_id": ""}, {"recipient": ""}):
        response = notifications.deliveries(**params)
        assert response.status_code == 422
        assert response.json()["detail"] == "give booking_id or an X-Recipient header"


def test_a_confirmed_booking_owes_the_client_and_the_therapist_an_email(notifications: NotificationsApi) -> None:
    maria = a_client()
    booking_id = notifications.confirm(maria)

    response = notifications.deliveries(booking_id=booking_id)

    assert response.status_code == 200, response.text
    owed: list[dict[str, Any]] = response.json()
    assert {(d["kind"], d["recipient"]) for d in owed} == {("booking_confirmed", maria), ("therapist_assigned", ANNA)}
    for delivery in owed:
        assert delivery["booking_id"] == booking_id
        assert delivery["status"] == "queued"
        assert delivery["attempts"] == 0
        assert delivery["booking_version"] == 2
        assert delivery["sent_at"] is None and delivery["last_error"] is None
        assert delivery["message_id"].startswith(f"<{booking_id}.{delivery['kind']}.v2.")
        assert delivery["message_id"].endswith("@clinic.example>")


def test_by_recipient_the_log_lists_only_that_persons_messages(notifications: NotificationsApi) -> None:
    ben = f"ben.{uuid.uuid4().hex[:8]}@clinic.example"
    maria, jonas = a_client(), a_client()
    marias_booking = notifications.confirm(maria, therapist_email=ben)
    jonas_booking = notifications.confirm(jonas, therapist_email=ben)

    to_maria = notifications.deliveries(recipient=maria)
    to_ben = notifications.deliveries(recipient=ben)

    assert to_maria.status_code == 200, to_maria.text
    [marias] = to_maria.json()
    assert (marias["recipient"], marias["kind"], marias["booking_id"]) == (maria, "booking_confirmed", marias_booking)
    assert to_ben.status_code == 200, to_ben.text
    assert [(d["recipient"], d["kind"]) for d in to_ben.json()] == [(ben, "therapist_assigned")] * 2
    assert [d["booking_id"] for d in to_ben.json()] == [marias_booking, jonas_booking]
    both = notifications.deliveries(booking_id=jonas_booking, recipient=jonas).json()
    assert [(d["recipient"], d["booking_id"]) for d in both] == [(jonas, jonas_booking)]


def test_the_same_confirmation_heard_twice_owes_nothing_more(notifications: NotificationsApi) -> None:
    confirmed = confirmation(a_client())
    notifications.hear(confirmed)
    owed = notifications.deliveries(booking_id=confirmed.booking_id).json()
    assert len(owed) == 2

    notifications.hear(confirmed)  # redelivered by the broker

    assert notifications.deliveries(booking_id=confirmed.booking_id).json() == owed
