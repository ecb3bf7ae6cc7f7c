"""Staff rights on the notifications API, on a real SQLite file: the front desk and admins read the log,
resend and preview; a therapist does none of it; the front desk only for bookings at its locations; a
resend is in the audit trail, a failed one is not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update

from services.notifications.adapters import orm
from services.notifications.bootstrap import bootstrap
from services.notifications.config import NotificationSettings
from services.notifications.entrypoints.api import create_app
from tests.integration.test_notifications_api import NotificationsApi, confirmation
from tests.support import clock
from tests.support.apps import service_database, staff_token

DESK = staff_token("front_desk", ("main",), account_id="desk-main")
DESK_NORTH = staff_token("front_desk", ("north",), account_id="desk-north")
THERAPIST = staff_token("therapist", therapist="anna-keller", account_id="t-anna")
ADMIN = staff_token("admin", account_id="admin-1")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NotificationsApi, Engine]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('staff-notifications') / 'notifications.db'}"
    with service_database("notifications", url) as service:
        wiring = bootstrap(NotificationSettings(database_url=url, admin_api_key=service.staff_key))
        with TestClient(create_app(wiring)) as client:
            yield NotificationsApi(client=client, writer=service.writer(), staff_key=service.staff_key), service.db
        wiring.database.reset()


def test_the_front_desk_reads_the_log_and_a_therapist_does_not(api: tuple[NotificationsApi, Engine]) -> None:
    notifications, _ = api
    booking_id = notifications.confirm(f"maria.{uuid.uuid4().hex[:8]}@example.com")

    assert len(notifications.deliveries(DESK, booking_id=booking_id).json()) == 2
    refused = notifications.deliveries(THERAPIST, booking_id=booking_id)
    assert refused.status_code == 403 and "front_desk" in refused.json()["detail"]
    assert notifications.client.get("/preview/booking_confirmed", headers=THERAPIST).status_code == 403
    assert notifications.client.get("/preview/booking_confirmed", headers=DESK).status_code == 200


def test_a_resend_is_recorded_and_a_refused_one_is_not(api: tuple[NotificationsApi, Engine]) -> None:
    notifications, db = api
    booking_id = notifications.confirm(f"maria.{uuid.uuid4().hex[:8]}@example.com")
    first, second = (d["id"] for d in notifications.deliveries(DESK, booking_id=booking_id).json())
    with db.begin() as conn:
        conn.execute(update(orm.delivery).where(orm.delivery.c.id == first).values(status="sent"))

    assert notifications.client.post(f"/deliveries/{first}/resend", headers=DESK).status_code == 200
    assert notifications.client.post(f"/deliveries/{second}/resend", headers=DESK).status_code == 409  # queued

    with db.connect() as conn:
        rows = conn.execute(select(orm.audit.table)).all()
    assert [(r.actor, r.role, r.action, r.target) for r in rows] == [
        ("desk-main", "front_desk", "delivery.resend", str(first))
    ]
    listed = notifications.client.get("/audit", headers=ADMIN)
    assert listed.status_code == 200 and listed.json()[0]["target"] == str(first)
    assert notifications.client.get("/audit", headers=DESK).status_code == 403


def test_a_desk_sees_resends_and_previews_nothing_of_a_booking_at_another_location(
    api: tuple[NotificationsApi, Engine],
) -> None:
    notifications, db = api
    maria = f"maria.{uuid.uuid4().hex[:8]}@example.com"
    booking_id = notifications.confirm(maria)  # at main
    first = notifications.deliveries(DESK, booking_id=booking_id).json()[0]["id"]
    with db.begin() as conn:
        conn.execute(update(orm.delivery).where(orm.delivery.c.id == first).values(status="sent"))

    listed = notifications.deliveries(DESK_NORTH, booking_id=booking_id)
    resent = notifications.client.post(f"/deliveries/{first}/resend", headers=DESK_NORTH)
    previewed = notifications.client.get(
        "/preview/booking_confirmed", params={"booking_id": booking_id}, headers=DESK_NORTH
    )

    for refused in (listed, resent, previewed):
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"] == "not allowed: your account does not act at location 'main'"
    assert notifications.deliveries(DESK_NORTH, recipient=maria).json() == []
    assert notifications.deliveries(DESK_NORTH, booking_id=str(uuid.uuid4())).json() == []
    with db.connect() as conn:
        assert conn.execute(select(orm.delivery.c.status).where(orm.delivery.c.id == first)).scalar() == "sent"
        assert not conn.execute(select(orm.audit.table).where(orm.audit.table.c.target == str(first))).all()
    # The desk at main, and an admin, still do all of it; a sample preview is anyone's at the desk.
    assert [d["recipient"] for d in notifications.deliveries(DESK, recipient=maria).json()] == [maria]
    assert notifications.deliveries(ADMIN, recipient=maria).json()[0]["booking_id"] == booking_id
    own = notifications.client.get("/preview/booking_confirmed", params={"booking_id": booking_id}, headers=DESK)
    assert own.status_code == 200 and own.json()["to"] == maria
    assert notifications.client.get("/preview/booking_confirmed", headers=DESK_NORTH).status_code == 200
    assert notifications.client.post(f"/deliveries/{first}/resend", headers=DESK).status_code == 200


def test_a_recipient_search_shows_a_desk_only_its_locations_rows(api: tuple[NotificationsApi, Engine]) -> None:
    notifications, db = api
    therapist = f"anna.{uuid.uuid4().hex[:8]}@clinic.example"
    at_main = notifications.confirm(f"maria.{uuid.uuid4().hex[:8]}@example.com", therapist)
    in_north = confirmation(f"maria.{uuid.uuid4().hex[:8]}@example.com", therapist).model_copy(
        update={"location": "north"}
    )
    notifications.hear(in_north)
    day_schedule = f"day:2030-01-07:{uuid.uuid4().hex[:8]}"  # a therapist's day: of no single location
    with db.begin() as conn:
        conn.execute(
            insert(orm.delivery).values(
                booking_id=day_schedule, kind="therapist_day_schedule", recipient=therapist, booking_version=0,
                locale="en", context={}, message_id=f"<{day_schedule}@clinic.example>", status="sent",
                attempts=1, next_attempt_at=clock.at(clock.working_day(3), 7), correlation_id="test",
                created_at=clock.at(clock.working_day(3), 7),
            )
        )  # fmt: skip

    def booking_ids(headers: dict[str, str]) -> list[str]:
        response = notifications.deliveries(headers, recipient=therapist)
        assert response.status_code == 200, response.text
        return [d["booking_id"] for d in response.json()]

    assert booking_ids(DESK) == [at_main]
    assert booking_ids(DESK_NORTH) == [in_north.booking_id]
    assert booking_ids(ADMIN) == [at_main, in_north.booking_id, day_schedule]
    [schedule] = [d["id"] for d in notifications.deliveries(ADMIN, recipient=therapist).json()][2:]
    refused = notifications.client.post(f"/deliveries/{schedule}/resend", headers=DESK)
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"not allowed: delivery {schedule} is not of a booking at your locations"
    assert notifications.client.post(f"/deliveries/{schedule}/resend", headers=ADMIN).status_code == 200
