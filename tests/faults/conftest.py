"""The platform for the fault suite: its own Redis and mail server (both may be killed and started
again on their ports), SQLite files or PostgreSQL databases, and the figures printed at the end."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.platform import SERVICES, Platform, start_platform
from tests.faults.harness import FIGURES, SHORTENED, UNLIMITED_ADDRESS, MailServer, OwnRedis
from tests.support import servers

# SQLite by default; PostgreSQL too with FAULTS_DATABASES=sqlite,postgres (it doubles the time).
DATABASES = [db.strip() for db in os.environ.get("FAULTS_DATABASES", "sqlite").split(",") if db.strip()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--clock", default=None):
        skip = pytest.mark.skip(reason="--clock moves this process only; the platform's processes keep real time")
        for item in items:
            if "tests/faults/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(params=[pytest.param(db, marks=[pytest.mark.postgres] if db == "postgres" else []) for db in DATABASES])
def faulty_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Platform, OwnRedis, MailServer]]:
    workdir: Path = tmp_path_factory.mktemp(f"faults-{request.param}")
    drops = []
    if request.param == "postgres":
        admin = servers.start_postgres()
        if admin is None:
            pytest.skip(f"no PostgreSQL for the fault suite: {servers.postgres_unavailable_reason()}")
        request.addfinalizer(admin.stop)
        urls = {}
        for service in SERVICES:
            urls[service], drop = servers.create_database(admin.url, f"faults_{service}")
            drops.append(drop)
    else:
        urls = {service: f"sqlite:///{workdir / service}.db" for service in SERVICES}
    broker = OwnRedis().start()
    mail = MailServer().start()
    try:
        # Two notifications processes, as `make run` and docker-compose.yml run it.
        env = {**SHORTENED, **UNLIMITED_ADDRESS}
        platform = start_platform(workdir, broker.url, urls, mail, notifications_workers=2, extra_env=env)
    except BaseException:
        mail.stop()
        broker.stop()
        raise
    platform.cleanups.extend([mail.stop, broker.stop, *drops])
    yield platform, broker, mail
    platform.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("fault suite: what survived, and how long each fault took to heal")
    for figures in FIGURES:
        terminalreporter.write_line(json.dumps(figures, indent=2))
