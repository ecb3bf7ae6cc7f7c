"""Schemathesis over the three APIs' OpenAPI documents, without credentials, with the machine key and
with staff tokens (an admin's, a front desk's): no answer is a server error, and every answer's status,
content type and body are the ones the document promises."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.fuzz.apps import Api
from tests.fuzz.conftest import TALLIES
from tests.fuzz.harness import fuzz
from tests.support.apps import staff_token

APIS = ["catalog_api", "booking_api", "notifications_api"]
# Cases per operation and generation mode: most for an admin, who reaches every route's logic; without
# credentials most staff routes stop at 401, the machine key has an admin's rights, and the front desk
# (at one location) meets the 403s. About two minutes of CPU in all, PostgreSQL included.
EXAMPLES = {"anonymous": 6, "machine key": 6, "admin token": 20, "front desk token": 6}
POSTGRES_EXAMPLES = 8


def _credentials(api: Api, who: str) -> dict[str, str]:
    if who == "machine key":
        return {"X-API-Key": api.staff_key}
    if who == "admin token":
        return staff_token("admin")  # signed now: the token outlives one run with room to spare
    if who == "front desk token":
        return staff_token("front_desk", locations=("main",))
    return {}


@pytest.mark.parametrize("who", list(EXAMPLES))
@pytest.mark.parametrize("fixture", APIS)
def test_every_answer_is_documented_and_none_is_a_server_error(
    request: pytest.FixtureRequest, fixture: str, who: str
) -> None:
    api: Api = request.getfixturevalue(fixture)

    tally = fuzz(api, _credentials(api, who), who, EXAMPLES[who])

    TALLIES.append(tally)
    assert tally.operations > 0 and tally.cases > tally.operations, tally.line()
    assert not tally.failures, f"{tally.line()}\n\n{tally.report()}"


@pytest.mark.postgres
@pytest.mark.parametrize("fixture", ["catalog_api_postgres", "booking_api_postgres"])
def test_on_postgresql_too_no_answer_is_a_server_error(request: pytest.FixtureRequest, fixture: str) -> None:
    """PostgreSQL refuses some text SQLite stores (NUL): what the API lets through must not reach it."""
    api: Api = request.getfixturevalue(fixture)

    tally = fuzz(replace(api, name=f"{api.name} on PostgreSQL"), staff_token("admin"), "admin token", POSTGRES_EXAMPLES)

    TALLIES.append(tally)
    assert tally.cases > tally.operations, tally.line()
    assert not tally.failures, f"{tally.line()}\n\n{tally.report()}"
