"""The self-service link from the client's emails, over HTTP: its token (shared.links, signed with
MANAGE_LINK_SECRET) opens the booking it was signed for wherever the booking's own token does, until the
visit has ended. The app runs on a FixedClock the tests move."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import Response
from icalendar import Calendar

from services.booking.adapters.repository import SqlRepository
from services.booking.service_layer import catalog_copy, saga
from shared import links
from shared.db import transaction
from shared.events import AnswerOption, Envelope, Question, QuestionnairePublished
from tests.integration.conftest import BookingService, running_booking_service
from tests.support.clock import FixedClock, at, working_day

CUPPING = "back-leg-cupping"
SECRET = "test-manage-link-secret"
QUESTIONNAIRE = QuestionnairePublished(
    treatment=CUPPING,
    revision=1,
    questions=[
        Question(
            code="blood_thinners",
            kind="yes_no",
            text={"en": "Blood thinners?", "de": "Blutverdünner?"},
            options=[
                AnswerOption(value="yes", label={"en": "Yes", "de": "Ja"}, outcome="review"),  # type: ignore[arg-type]
                AnswerOption(value="no", label={"en": "No", "de": "Nein"}),
            ],
        )
    ],
)


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(at(working_day(1), 7))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[BookingService]:
    with running_booking_service(tmp_path_factory.mktemp("manage-link"), clock, manage_link_secret=SECRET) as service:
        with transaction(service.writer()) as session:
            catalog_copy.on_questionnaire_published(SqlRepository(session), Envelope.wrap(QUESTIONNAIRE, "catalog"))
        yield service


@pytest.fixture
def day(clock: FixedClock) -> Iterator[datetime]:
    """Each test books on a working day of its own, the clock at 07:00 that morning."""
    day = working_day(next(_DAYS))
    clock.instant = at(day, 7)
    return at(day, 0)


_DAYS = iter(range(2, 30))


def book(service: BookingService, start: datetime, answered: bool = True) -> tuple[str, str]:
    """A confirmed booking: (id, its own token from POST)."""
    body: dict[str, Any] = {
        "treatment": CUPPING,
        "start": start.isoformat(),
        "client": {"name": "Maria Schmidt", "email": f"maria.{uuid.uuid4().hex[:8]}@example.com"},
        "answers": {"blood_thinners": "no"} if answered else {},
    }
    response = service.client.post("/bookings", json=body)
    assert response.status_code == 202, response.text
    booking_id, token = response.json()["id"], response.json()["token"]
    with transaction(service.writer()) as session:  # as the booking worker does
        saga.place(SqlRepository(session), booking_id, service.wiring.rules)
    return booking_id, token


def link(booking_id: str, secret: str = SECRET) -> dict[str, str]:
    """The header the manage page sends: the token from the email's link."""
    return {"X-Booking-Token": links.sign(booking_id, secret)}


def read(service: BookingService, booking_id: str, headers: dict[str, str]) -> Response:
    return service.client.get(f"/bookings/{booking_id}", headers=headers)


def test_the_link_reads_the_booking(clinic: BookingService, day: datetime) -> None:
    booking_id, token = book(clinic, day.replace(hour=10))

    response = read(clinic, booking_id, link(booking_id))

    assert response.status_code == 200, response.text
    assert response.json() == read(clinic, booking_id, {"X-Booking-Token": token}).json()
    assert response.json()["status"] == "confirmed"


def test_the_link_cancels_as_the_client(clinic: BookingService, day: datetime) -> None:
    booking_id, _ = book(clinic, day.replace(hour=10))

    response = clinic.client.post(f"/bookings/{booking_id}/cancel", headers=link(booking_id))

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["reason"] == "cancelled by the client"
    assert response.json()["late_cancellation"] is True  # three hours before: inside the free window


def test_the_link_moves_the_visit_and_keeps_working_afterwards(clinic: BookingService, day: datetime) -> None:
    booking_id, _ = book(clinic, day.replace(hour=10))
    new_start = day.replace(hour=14)

    response = clinic.client.post(
        f"/bookings/{booking_id}/reschedule", json={"start": new_start.isoformat()}, headers=link(booking_id)
    )

    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["start"]) == new_start
    assert read(clinic, booking_id, link(booking_id)).status_code == 200


def test_the_link_reads_changes_and_erases_the_answers(clinic: BookingService, day: datetime) -> None:
    booking_id, _ = book(clinic, day.replace(hour=10))
    answers = f"/bookings/{booking_id}/answers"

    read_back = clinic.client.get(answers, headers=link(booking_id))
    assert read_back.status_code == 200, read_back.text
    assert read_back.json()["answers"][0]["answer"] == "no"

    changed = clinic.client.put(answers, json={"answers": {"blood_thinners": "no"}}, headers=link(booking_id))
    assert changed.status_code == 200, changed.text

    erased = clinic.client.delete(answers, headers=link(booking_id))
    assert erased.status_code == 204, erased.text
    assert clinic.client.get(answers, headers=link(booking_id)).status_code == 404


@pytest.mark.parametrize("whose", ["forged", "another booking's", "truncated"])
def test_a_link_not_signed_for_this_booking_opens_nothing(clinic: BookingService, day: datetime, whose: str) -> None:
    booking_id, _ = book(clinic, day.replace(hour=10))
    other_id, _ = book(clinic, day.replace(hour=11))
    headers = {
        "forged": link(booking_id, secret="not-the-secret"),
        "another booking's": link(other_id),
        "truncated": {"X-Booking-Token": links.sign(booking_id, SECRET)[:-3]},
    }[whose]

    calls = [
        clinic.client.get(f"/bookings/{booking_id}", headers=headers),
        clinic.client.get(f"/bookings/{booking_id}/answers", headers=headers),
        clinic.client.delete(f"/bookings/{booking_id}/answers", headers=headers),
        clinic.client.post(f"/bookings/{booking_id}/cancel", headers=headers),
    ]

    for response in calls:
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "no booking with this id and token"
    assert read(clinic, other_id, link(other_id)).json()["status"] == "confirmed"


def test_a_link_stops_working_when_the_visit_has_ended_but_the_bookings_own_token_does_not(
    clinic: BookingService, clock: FixedClock, day: datetime
) -> None:
    booking_id, token = book(clinic, day.replace(hour=10))
    clock.instant = day.replace(hour=10, minute=44)
    assert read(clinic, booking_id, link(booking_id)).status_code == 200  # a minute before the end

    clock.instant = day.replace(hour=10, minute=45)  # the 45-minute visit has ended

    for response in (
        read(clinic, booking_id, link(booking_id)),
        clinic.client.post(f"/bookings/{booking_id}/cancel", headers=link(booking_id)),
        clinic.client.get(f"/bookings/{booking_id}/answers", headers=link(booking_id)),
    ):
        assert response.status_code == 410, response.text
        assert response.json()["detail"] == "this link stopped working when the visit ended"
    assert read(clinic, booking_id, {"X-Booking-Token": token}).status_code == 200
    clock.instant += timedelta(days=1)
    assert read(clinic, booking_id, link(booking_id, secret="forged")).status_code == 404


def test_without_a_configured_secret_no_link_opens_anything(booking_service: BookingService) -> None:
    day = working_day(3)
    booking_id, token = book(booking_service, at(day, 15), answered=False)

    for secret in (SECRET, ""):
        response = read(booking_service, booking_id, {"X-Booking-Token": links.sign(booking_id, secret)})
        assert response.status_code == 404
        assert response.json()["detail"] == "no booking with this id and token"
    assert read(booking_service, booking_id, {"X-Booking-Token": token}).status_code == 200


# ---- what cancelling now would cost ---------------------------------------------------------------


def test_the_booking_says_until_when_cancelling_is_free_and_whether_now_is_too_late(
    clinic: BookingService, clock: FixedClock, day: datetime
) -> None:
    start = day.replace(hour=15)
    free_until = free_until_hours(clinic)
    clock.instant = start - free_until - timedelta(hours=6)  # the day before: cancelling is still free
    booking_id, token = book(clinic, start)
    own = {"X-Booking-Token": token}

    early = read(clinic, booking_id, own).json()
    assert datetime.fromisoformat(early["free_cancellation_until"]) == start - free_until
    assert early["free_cancellation_until"].endswith(start.isoformat()[-6:])  # the location's offset
    assert early["cancellation_would_be_late"] is False

    clock.instant = start - free_until + timedelta(minutes=1)
    assert read(clinic, booking_id, own).json()["cancellation_would_be_late"] is True
    assert read(clinic, booking_id, link(booking_id)).json()["cancellation_would_be_late"] is True
    as_staff = read(clinic, booking_id, {"X-API-Key": clinic.staff_key}).json()
    assert as_staff["cancellation_would_be_late"] is False  # the clinic's cancellation is never late

    cancelled = clinic.client.post(f"/bookings/{booking_id}/cancel", headers=own).json()
    assert cancelled["late_cancellation"] is True  # the same rule decided it
    assert cancelled["cancellation_would_be_late"] is False  # nothing left to cancel


def test_an_unconfirmed_booking_is_never_late_to_cancel(clinic: BookingService, day: datetime) -> None:
    body = {
        "treatment": CUPPING,
        "start": day.replace(hour=10).isoformat(),
        "client": {"name": "Maria Schmidt", "email": "maria.pending@example.com"},
        "answers": {"blood_thinners": "no"},
    }
    accepted = clinic.client.post("/bookings", json=body).json()

    pending = read(clinic, accepted["id"], {"X-Booking-Token": accepted["token"]}).json()

    assert pending["status"] == "pending"
    assert pending["cancellation_would_be_late"] is False


def free_until_hours(service: BookingService) -> timedelta:
    return timedelta(hours=service.wiring.settings.free_cancellation_hours)


# ---- the calendar file ----------------------------------------------------------------------------


def calendar(service: BookingService, booking_id: str, headers: dict[str, str]) -> Response:
    return service.client.get(f"/bookings/{booking_id}/calendar", headers=headers)


def test_a_confirmed_visit_downloads_as_one_calendar_event(clinic: BookingService, day: datetime) -> None:
    booking_id, token = book(clinic, day.replace(hour=10))

    response = calendar(clinic, booking_id, link(booking_id))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"] == 'attachment; filename="booking.ics"'
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == f"{booking_id}@clinic.example"  # as the emailed invitation (MAIL_FROM's domain)
    assert str(event["summary"]) == "Medical Massage: Back & Leg + Cupping"
    assert event.decoded("dtstart") == day.replace(hour=10)
    assert event.decoded("dtend") == day.replace(hour=10, minute=45)
    assert str(event["location"]) == "Clinic Mitte"
    therapist = read(clinic, booking_id, link(booking_id)).json()["therapist_name"]
    assert therapist and therapist in str(event["description"])
    for headers in ({"X-Booking-Token": token}, {"X-API-Key": clinic.staff_key}):
        assert calendar(clinic, booking_id, headers).content == response.content


def test_an_unconfirmed_visit_has_no_calendar_file_and_a_stranger_gets_nothing(
    clinic: BookingService, day: datetime
) -> None:
    booking_id, token = book(clinic, day.replace(hour=10))
    assert clinic.client.post(f"/bookings/{booking_id}/cancel", headers={"X-Booking-Token": token}).status_code == 200

    cancelled = calendar(clinic, booking_id, {"X-Booking-Token": token})
    assert cancelled.status_code == 409
    assert cancelled.json()["detail"] == "only a confirmed booking can be added to a calendar, this one is cancelled"

    for headers in ({}, {"X-Booking-Token": "nope"}, link(booking_id, secret="forged")):
        assert calendar(clinic, booking_id, headers).status_code == 404
