"""What the fuzzing found undocumented, one request each, on the real APIs: each answer's status is in
its operation's document and its body matches the schema given for that status."""

from __future__ import annotations

from typing import Any

import jsonschema_rs  # schemathesis' JSON Schema validator
from fastapi.testclient import TestClient
from httpx import Response

from tests.fuzz.apps import Api
from tests.support.apps import staff_token


def documented(api: Api, path: str, method: str, answer: Response) -> bool:
    """Whether `answer` is one the document promises for `method path`, body and all."""
    document: dict[str, Any] = api.app.openapi()
    promised = document["paths"][path][method]["responses"].get(str(answer.status_code))
    if promised is None:
        return False
    schema = promised["content"]["application/json"]["schema"]
    return bool(jsonschema_rs.is_valid({**schema, "components": document["components"]}, answer.json()))


def test_a_422_says_which_field_as_the_booking_document_promises(booking_api: Api) -> None:
    answer = TestClient(booking_api.app).post("/bookings", json={"treatment": "back-leg-cupping"})

    assert answer.status_code == 422
    assert isinstance(answer.json()["detail"], str) and answer.json()["errors"]
    assert documented(booking_api, "/bookings", "post", answer)


def test_a_422_from_a_domain_rule_matches_the_catalog_document(catalog_api: Api) -> None:
    answer = TestClient(catalog_api.app).put(
        "/treatments/x", json={"name": "X", "duration_minutes": -5}, headers=staff_token("admin")
    )

    assert answer.status_code == 422
    assert documented(catalog_api, "/treatments/{slug}", "put", answer)


def test_a_422_without_a_field_list_matches_the_notifications_document(notifications_api: Api) -> None:
    answer = TestClient(notifications_api.app).get("/deliveries", headers=staff_token("admin"))

    assert answer.status_code == 422
    assert documented(notifications_api, "/deliveries", "get", answer)


def test_a_staff_route_without_credentials_is_a_documented_401(booking_api: Api) -> None:
    answer = TestClient(booking_api.app).get("/day")

    assert answer.status_code == 401
    assert documented(booking_api, "/day", "get", answer)


def test_a_front_desk_elsewhere_is_a_documented_403(booking_api: Api) -> None:
    elsewhere = staff_token("front_desk", locations=("elsewhere",))

    answer = TestClient(booking_api.app).get("/day", params={"location": "main"}, headers=elsewhere)

    assert answer.status_code == 403
    assert documented(booking_api, "/day", "get", answer)


def test_a_wrong_password_is_a_documented_401(catalog_api: Api) -> None:
    body = {"email": "nobody-401@clinic.example", "password": "not-the-password"}

    answer = TestClient(catalog_api.app).post("/staff/sessions", json=body)

    assert answer.status_code in (401, 429)  # the fuzz runs may have used this address's budget
    assert documented(catalog_api, "/staff/sessions", "post", answer)


def test_too_many_sign_ins_are_a_documented_429_with_retry_after(catalog_api: Api) -> None:
    body = {"email": "nobody-429@clinic.example", "password": "not-the-password"}
    client = TestClient(catalog_api.app)

    answers = [client.post("/staff/sessions", json=body) for _ in range(12)]

    refused = answers[-1]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert documented(catalog_api, "/staff/sessions", "post", refused)
    assert "Retry-After" in catalog_api.app.openapi()["paths"]["/staff/sessions"]["post"]["responses"]["429"]["headers"]
