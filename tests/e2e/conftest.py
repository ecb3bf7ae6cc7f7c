from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.platform import SERVICES, Platform, start_platform
from tests.support import servers

_redis_db = itertools.count(11)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[servers.Server]:
    server = servers.start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[servers.Server | None]:
    server = servers.start_postgres()
    yield server
    if server is not None:
        server.stop()


def _fresh_redis_db(url: str) -> str:
    """A Redis database of its own per platform (11, 12, ...), emptied first: no stray tasks from a
    previous run reach these workers."""
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    fresh = f"{base}/{next(_redis_db)}"
    redis.Redis.from_url(fresh).flushdb()
    return fresh


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def platform(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: servers.Server,
    postgres_server: servers.Server | None,
) -> Iterator[Platform]:
    workdir: Path = tmp_path_factory.mktemp(f"platform-{request.param}")
    drops = []
    if request.param == "sqlite":
        urls = {service: f"sqlite:///{workdir / service}.db" for service in SERVICES}
    else:
        if postgres_server is None:
            pytest.skip(f"no PostgreSQL for the end-to-end run: {servers.postgres_unavailable_reason()}")
        urls = {}
        for service in SERVICES:
            urls[service], drop = servers.create_database(postgres_server.url, f"e2e_{service}")
            drops.append(drop)
    smtp = servers.SmtpSink().start()
    # Thirty clients racing from one address (127.0.0.1) would meet the per-address limits, which have
    # tests of their own (tests/integration/test_rate_limits.py): here they are off.
    unlimited = {"RATE_LIMIT_BOOKINGS_PER_ADDRESS": "", "RATE_LIMIT_AVAILABILITY_PER_ADDRESS": ""}
    platform = start_platform(workdir, _fresh_redis_db(redis_server.url), urls, smtp, extra_env=unlimited)
    platform.cleanups.extend([smtp.stop, *drops])
    yield platform
    platform.stop()
