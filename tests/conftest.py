"""`pytest --clock 2026-12-05T10:00+01:00` runs the suite as if it were that moment (time-machine,
ticking on from there), so a date-dependent test can be tried on any day: a Saturday, a Sunday, the
days the clocks change. End-to-end tests start the platform as separate processes, which keep the
machine's clock; under `--clock` they are skipped (run them under `faketime` instead: `make test-dates`)."""

from __future__ import annotations

from datetime import datetime

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--clock", default=None, help="run the tests at this ISO 8601 instant (with its offset)")


def pytest_configure(config: pytest.Config) -> None:
    moment = config.getoption("--clock")
    if moment:
        import time_machine

        instant = datetime.fromisoformat(moment)
        if instant.tzinfo is None:
            raise pytest.UsageError("--clock needs an offset, e.g. 2026-12-05T10:00+01:00")
        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--clock"):
        skip = pytest.mark.skip(reason="--clock moves this process only; the platform's processes keep real time")
        for item in items:
            if "tests/e2e/" in str(item.fspath) or "tests/browser/" in str(item.fspath):
                item.add_marker(skip)
