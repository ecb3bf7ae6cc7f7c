"""Staff rights on the notifications API, on a real SQLite file: the front desk and admins read the log,
resend and preview; a therapist does none of it; a resend is in the audit trail, a failed one is not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from services.notifications.adapters import orm
from services.notifications.bootstrap import bootstrap
from services.notifications.config import NotificationSettings
from services.notifications.entrypoints.api import create_app
from tests.integration.test_notifications_api import NotificationsApi
from tests.support.apps import service_database, staff_token

DESK = staff_token("front_desk", ("main",), account_id="desk-main")
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
