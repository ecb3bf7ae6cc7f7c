"""The three APIs on their own SQLite files and Redis, once for the fuzz session (catalog and booking on
PostgreSQL too: it refuses what SQLite stores, e.g. NUL in text); the tallies printed at the end of the
run (operations, cases, failures by check, per API and credentials)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz import apps
from tests.fuzz.harness import Tally
from tests.support import servers
from tests.support.servers import Server, start_redis

TALLIES: list[Tally] = []


@pytest.fixture(scope="session")
def fuzz_broker() -> Iterator[Server]:
    broker = start_redis()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def catalog_api(tmp_path_factory: pytest.TempPathFactory, fuzz_broker: Server) -> Iterator[apps.Api]:
    with apps.catalog_api(tmp_path_factory.mktemp("fuzz-catalog"), fuzz_broker) as api:
        yield api


@pytest.fixture(scope="session")
def booking_api(tmp_path_factory: pytest.TempPathFactory, fuzz_broker: Server) -> Iterator[apps.Api]:
    with apps.booking_api(tmp_path_factory.mktemp("fuzz-booking"), fuzz_broker) as api:
        yield api


@pytest.fixture(scope="session")
def notifications_api(tmp_path_factory: pytest.TempPathFactory, fuzz_broker: Server) -> Iterator[apps.Api]:
    with apps.notifications_api(tmp_path_factory.mktemp("fuzz-notifications"), fuzz_broker) as api:
        yield api


@pytest.fixture(scope="session")
def fuzz_postgres() -> Iterator[Server]:
    server = servers.start_postgres()
    if server is None:
        pytest.skip(f"no PostgreSQL: {servers.postgres_unavailable_reason()}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def catalog_api_postgres(
    tmp_path_factory: pytest.TempPathFactory, fuzz_broker: Server, fuzz_postgres: Server
) -> Iterator[apps.Api]:
    url, drop = servers.create_database(fuzz_postgres.url, "fuzz_catalog")
    try:
        with apps.catalog_api(tmp_path_factory.mktemp("fuzz-catalog-pg"), fuzz_broker, url) as api:
            yield api
    finally:
        drop()


@pytest.fixture(scope="session")
def booking_api_postgres(
    tmp_path_factory: pytest.TempPathFactory, fuzz_broker: Server, fuzz_postgres: Server
) -> Iterator[apps.Api]:
    url, drop = servers.create_database(fuzz_postgres.url, "fuzz_booking")
    try:
        with apps.booking_api(tmp_path_factory.mktemp("fuzz-booking-pg"), fuzz_broker, url) as api:
            yield api
    finally:
        drop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLIES:
        terminalreporter.section("API fuzzing (schemathesis)")
        for tally in TALLIES:
            terminalreporter.line(tally.line())
