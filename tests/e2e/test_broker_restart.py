"""The broker restarts (and, with no persistence, forgets everything): workers reconnect by themselves
and bookings made afterwards are confirmed and emailed. Celery releases have been known to stop
consuming after a Redis reconnect; this shows ours do not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.platform import SERVICES, Platform, start_platform
from tests.e2e.test_booking_flow import book, mails_to, settled
from tests.support import servers
from tests.support.clock import at, working_day
from tests.support.servers import wait_until


@pytest.fixture(scope="module")
def platform_with_own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, list]]:
    workdir: Path = tmp_path_factory.mktemp("broker-restart")
    broker = [servers.start_embedded_redis()]
    smtp = servers.SmtpSink().start()
    urls = {service: f"sqlite:///{workdir / service}.db" for service in SERVICES}
    platform = start_platform(workdir, broker[0].url, urls, smtp)
    platform.cleanups.append(smtp.stop)
    yield platform, broker
    platform.stop()
    broker[-1].stop()


def test_bookings_are_confirmed_again_after_the_broker_restarts(
    platform_with_own_broker: tuple[Platform, list],
) -> None:
    platform, broker = platform_with_own_broker
    before = book(platform, at(working_day(3), 13).isoformat(), f"before-{uuid.uuid4().hex[:6]}@example.com")
    assert settled(platform, before)["status"] == "confirmed"

    port = int(broker[0].url.rsplit(":", 1)[1].split("/")[0])
    broker[0].stop()
    down = httpx.get(f"{platform.booking}/ready")
    assert down.status_code == 503 and "broker" in down.json()["problems"]
    broker.append(servers.start_embedded_redis(port))  # empty: whatever was queued is gone
    assert httpx.get(f"{platform.booking}/ready").status_code == 200

    client = f"after-{uuid.uuid4().hex[:6]}@example.com"
    after = book(platform, at(working_day(3), 14).isoformat(), client)
    assert settled(platform, after, timeout=120)["status"] == "confirmed"
    wait_until(lambda: mails_to(platform, client), timeout=60, message="no email after the broker came back")
