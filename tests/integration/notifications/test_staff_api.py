"""Staff use the notifications API: they preview every message in English and German before a template
change goes live, look at what a booking's client would read, and resend a message a client says never
arrived (the same Message-ID, so mail programs see one message); a message on its way cannot be resent."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient
from pydantic import SecretStr

from ops.migrate import migrate
from services.notifications.bootstrap import bootstrap
from services.notifications.config import NotificationSettings
from services.notifications.domain.messages import CALENDAR_METHOD, Kind
from services.notifications.entrypoints.api import create_app
from shared import links
from shared.db import make_engine, make_session_factory
from tests.integration.notifications.conftest import Postgres
from tests.integration.notifications.story import (
    ANNA,
    BERLIN,
    CUPPING,
    MAIL_FROM,
    Clinic,
    MailServer,
    a_client,
    confirmed,
    publish_catalog,
)
from tests.support import clock, servers

SAMPLE_CLIENT, SAMPLE_THERAPIST = "maria@example.com", "anna.keller@clinic.example"
GERMAN_NAME = str(CUPPING.translations["de"]["name"])
SUBJECT_STARTS = {
    Kind.BOOKING_CONFIRMED: ("Confirmed: ", "Bestätigt: "),
    Kind.THERAPIST_ASSIGNED: ("New client: ", "Neuer Termin: "),
    Kind.BOOKING_REMINDER: ("Reminder: ", "Erinnerung: "),
    Kind.BOOKING_REMINDER_SHORT: ("Reminder: ", "Erinnerung: "),
    Kind.BOOKING_RESCHEDULED: ("Rescheduled: ", "Termin verschoben: "),
    Kind.BOOKING_CANCELLED: ("Cancellation confirmed: ", "Absage bestätigt: "),
    Kind.BOOKING_REJECTED: ("We could not confirm your ", "Wir konnten Ihren Termin für "),
    Kind.THERAPIST_DAY_SCHEDULE: ("Your schedule for ", "Ihr Tagesplan für "),
    Kind.THERAPIST_RELEASED: ("Cancelled: ", "Abgesagt: "),
    Kind.REVIEW_PENDING: ("We are reviewing your answers: ", "Wir prüfen Ihre Antworten: "),
    Kind.REVIEW_WAITING: ("Review waiting: ", "Prüfung offen: "),
    Kind.BOOKING_APPROVED: ("Approved and confirmed: ", "Freigegeben und bestätigt: "),
    Kind.BOOKING_DECLINED: ("We could not go ahead with your ", "Wir können Ihren Termin für "),
}
MANAGE_PAGE, LINK_SECRET = "https://clinic.example/manage/", "staff-api-link-secret"
TO_THERAPIST = {Kind.THERAPIST_ASSIGNED, Kind.THERAPIST_DAY_SCHEDULE, Kind.THERAPIST_RELEASED, Kind.REVIEW_WAITING}


@dataclass(frozen=True)
class StaffApi:
    client: TestClient
    clinic: Clinic
    staff_key: str

    @property
    def staff(self) -> dict[str, str]:
        return {"X-API-Key": self.staff_key}

    def preview(self, kind: str, **params: str) -> Any:
        return self.client.get(f"/preview/{kind}", params=params, headers=self.staff)

    def resend(self, delivery_id: int, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(f"/deliveries/{delivery_id}/resend", headers=self.staff if headers is None else headers)

    def log(self, booking_id: str) -> list[dict[str, Any]]:
        answer = self.client.get("/deliveries", params={"booking_id": booking_id}, headers=self.staff)
        assert answer.status_code == 200, answer.text
        return list(answer.json())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres: Postgres) -> Iterator[
    StaffApi
]:  # fmt: skip
    """The API as it runs, on its own database (migrated, seed catalog published), a mail server beside it."""
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('notifications-staff-api') / 'notifications.db'}"
    elif postgres.server is None:
        pytest.skip(f"no PostgreSQL: {postgres.why_not}")
    else:
        url, drop = servers.create_database(postgres.server.url, "notifications_api_test")
    staff_key = f"test-staff-{secrets.token_urlsafe(16)}"
    settings = NotificationSettings(
        database_url=url, admin_api_key=staff_key, mail_from=MAIL_FROM, clinic_name="The Clinic",
        clinic_timezone="Europe/Berlin", manage_url=MANAGE_PAGE, manage_link_secret=SecretStr(LINK_SECRET),
    )  # fmt: skip
    migrate("notifications", url)
    wiring = bootstrap(settings)
    engine = make_engine(url)
    mail = MailServer().start()
    try:
        factory = make_session_factory(engine)
        publish_catalog(factory)
        with TestClient(create_app(wiring)) as client:
            yield StaffApi(client, Clinic(factory, mail), staff_key)
    finally:
        mail.stop()
        wiring.database.reset()
        engine.dispose()
        if drop is not None:
            drop()


def tomorrow_in(locale: str) -> str:
    """The sample visit is tomorrow at 10:00 in Berlin; its weekday in the reader's language."""
    return format_date(clock.today(BERLIN) + timedelta(days=1), "EEEE", locale=locale)


# ---- previews ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("kind", list(Kind))
def test_staff_preview_every_message_with_sample_data(api: StaffApi, kind: Kind, locale: str) -> None:
    answer = api.preview(kind.value, locale=locale)

    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert (shown["kind"], shown["locale"]) == (kind.value, locale)
    assert shown["to"] == (SAMPLE_THERAPIST if kind in TO_THERAPIST else SAMPLE_CLIENT)
    assert shown["subject"].startswith(SUBJECT_STARTS[kind][locale == "de"])
    assert "\n" not in shown["subject"]
    assert shown["html"].lstrip().startswith("<!doctype html>")
    assert f'<html lang="{locale}">' in shown["html"]
    if kind in CALENDAR_METHOD:
        assert shown["attachments"] == ["cancel.ics" if CALENDAR_METHOD[kind] == "CANCEL" else "visit.ics"]
    else:
        assert shown["attachments"] == []
    reader = "Anna Keller" if kind in TO_THERAPIST else "Maria Sample"
    assert reader in shown["text"]
    assert (MANAGE_PAGE in shown["text"] + shown["html"]) is (kind not in TO_THERAPIST)  # clients' link only
    if kind is not Kind.THERAPIST_DAY_SCHEDULE:
        assert (GERMAN_NAME if locale == "de" else CUPPING.name) in shown["subject"]
        assert tomorrow_in(locale) in shown["text"]
        assert ("10:00 Uhr" if locale == "de" else "10:00 AM") in " ".join(shown["text"].split())


def test_the_german_day_schedule_preview_names_the_day_in_german(api: StaffApi) -> None:
    shown = api.preview(Kind.THERAPIST_DAY_SCHEDULE.value, locale="de").json()

    assert tomorrow_in("de") in shown["subject"]


def test_a_preview_of_a_real_booking_shows_what_its_client_reads(api: StaffApi) -> None:
    client = a_client("Jonas Weber")
    booking = confirmed(client=client, therapist=ANNA)
    api.clinic.hear(booking)

    shown = api.preview(Kind.BOOKING_REMINDER.value, booking_id=booking.booking_id).json()

    assert shown["to"] == client.email
    assert "Hello Jonas Weber" in shown["text"]
    assert "Tuesday, December 1, 2026" in shown["text"]
    # Where the client's link goes, without a token that works: staff see the message, not the key to it.
    assert f"{MANAGE_PAGE}#booking={booking.booking_id}&token=PREVIEW" in shown["text"]
    assert links.sign(booking.booking_id, LINK_SECRET) not in shown["text"] + shown["html"]


def test_a_preview_for_a_booking_notifications_never_heard_of_is_not_found(api: StaffApi) -> None:
    answer = api.preview(Kind.BOOKING_CONFIRMED.value, booking_id="00000000-0000-4000-8000-00000000dead")

    assert answer.status_code == 404
    assert "00000000-0000-4000-8000-00000000dead" in answer.json()["detail"]


def test_previews_are_for_staff_only_and_for_known_kinds(api: StaffApi) -> None:
    assert api.client.get("/preview/booking_confirmed").status_code == 401
    assert api.client.get("/preview/booking_confirmed", headers={"X-API-Key": "guess"}).status_code == 401
    assert api.client.get("/preview/love_letter", headers=api.staff).status_code == 422
    assert api.preview(Kind.BOOKING_CONFIRMED.value, locale="fr").status_code == 422


# ---- resending --------------------------------------------------------------------------------------


def test_a_sent_confirmation_is_resent_once_with_the_same_message_id(api: StaffApi) -> None:
    client = a_client()
    booking = confirmed(client=client)
    api.clinic.hear(booking)
    api.clinic.sweep(booking_id=booking.booking_id)
    [sent] = [d for d in api.log(booking.booking_id) if d["recipient"] == client.email]
    assert sent["status"] == "sent"

    answer = api.resend(sent["id"])

    assert answer.status_code == 200, answer.text
    queued = answer.json()
    assert (queued["status"], queued["message_id"]) == ("queued", sent["message_id"])
    assert api.clinic.sweep(booking_id=booking.booking_id) == 1
    assert api.clinic.sweep(booking_id=booking.booking_id) == 0
    letters = api.clinic.mail.letters_to(client.email)
    assert [letter.message_id for letter in letters] == [sent["message_id"], sent["message_id"]]
    assert [d["status"] for d in api.log(booking.booking_id) if d["id"] == sent["id"]] == ["sent"]


def test_a_message_the_server_refused_is_resent_after_the_address_is_fixed(api: StaffApi) -> None:
    client = a_client()
    booking = confirmed(client=client)
    api.clinic.hear(booking)
    api.clinic.mail.fail_with = (550, "5.1.1 mailbox unavailable")
    try:
        api.clinic.sweep(booking_id=booking.booking_id)
    finally:
        api.clinic.mail.fail_with = None
    [failed] = [d for d in api.log(booking.booking_id) if d["recipient"] == client.email]
    assert (failed["status"], failed["last_error"]) == ("failed", "550 5.1.1 mailbox unavailable")

    assert api.resend(failed["id"]).json()["status"] == "queued"
    api.clinic.sweep(booking_id=booking.booking_id)

    [letter] = api.clinic.mail.letters_to(client.email)
    assert letter.message_id == failed["message_id"]


def test_a_message_still_on_its_way_cannot_be_resent(api: StaffApi) -> None:
    booking = confirmed(client=a_client())
    api.clinic.hear(booking)  # owed, not swept yet: queued
    [queued, *_] = api.log(booking.booking_id)

    answer = api.resend(queued["id"])

    assert answer.status_code == 409
    assert answer.json()["detail"] == f"delivery {queued['id']} is queued: it is going out already"
    assert api.resend(10**9).status_code == 404
    assert api.resend(queued["id"], headers={}).status_code == 401
