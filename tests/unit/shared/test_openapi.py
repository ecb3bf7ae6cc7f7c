"""The OpenAPI document each API serves promises what it really answers: the error bodies shared.http
sends, and per operation the codes its credentials, inputs, domain errors and limits can cause."""

from __future__ import annotations

from typing import Any

import jsonschema_rs  # schemathesis' JSON Schema validator
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.db import Database
from shared.http import install_common
from shared.rate_limits import LimitAvailability
from shared.settings import BaseServiceSettings
from shared.staff import StaffDep


class Missing(Exception):
    pass


class Clash(Exception):
    pass


class Visit(BaseModel):
    name: str
    minutes: int


class SignIn(BaseModel):
    email: str
    password: str


def clinic_api() -> FastAPI:
    """A small API wired as the services are: install_common first, routes after."""
    app = FastAPI()
    settings = BaseServiceSettings(admin_api_key="unit-test-key", redis_url="redis://127.0.0.1:1/0")
    install_common(app, Database(lambda: "sqlite://"), settings, errors={Missing: 404, Clash: 409})

    @app.get("/visits")
    def visits() -> list[str]:
        return []

    @app.get("/visits/{visit_id}")
    def visit(visit_id: str) -> dict[str, str]:
        raise Clash(f"visit {visit_id} is being moved")

    @app.post("/visits", status_code=202)
    def book(body: Visit) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/day")
    def day(staff: StaffDep) -> dict[str, str]:
        return {"who": staff.role}

    router = APIRouter()  # FastAPI includes routers lazily: the limit must still be found

    @router.get("/free", dependencies=[LimitAvailability])
    def free(treatment: str) -> list[str]:
        return []

    @app.post("/sessions", status_code=201)
    def sign_in(body: SignIn) -> dict[str, str]:
        return {}

    app.include_router(router)
    return app


def codes(document: dict[str, Any], path: str, method: str = "get") -> set[int]:
    return {int(code) for code in document["paths"][path][method]["responses"]}


def conforms(document: dict[str, Any], path: str, method: str, status: int, body: object) -> bool:
    schema = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    return bool(jsonschema_rs.is_valid({**schema, "components": document["components"]}, body))


def test_a_422_answers_as_its_document_says_not_as_fastapi_would() -> None:
    app = clinic_api()
    document = app.openapi()

    answer = TestClient(app).post("/visits", json={"name": "Maria", "minutes": "long"})

    assert answer.status_code == 422
    assert isinstance(answer.json()["detail"], str)
    assert conforms(document, "/visits", "post", 422, answer.json())
    assert not conforms(document, "/visits", "post", 422, {"detail": [{"loc": ["body"], "msg": "x"}]})


def test_a_domain_error_is_documented_with_its_code_and_answers_as_documented() -> None:
    app = clinic_api()
    document = app.openapi()

    answer = TestClient(app).get("/visits/v-1")

    assert answer.status_code == 409
    assert {404, 409} <= codes(document, "/visits/{visit_id}")
    assert conforms(document, "/visits/{visit_id}", "get", 409, answer.json())
    assert codes(document, "/visits") == {200, 414, 431}  # no input: only its size can be refused


def test_staff_routes_document_a_missing_credential_and_a_missing_right() -> None:
    app = clinic_api()
    document = app.openapi()

    answer = TestClient(app).get("/day")

    assert answer.status_code == 401
    assert {401, 403} <= codes(document, "/day")
    assert conforms(document, "/day", "get", 401, answer.json())
    assert 401 not in codes(document, "/visits/{visit_id}")


def test_a_rate_limited_route_documents_429_with_retry_after() -> None:
    document = clinic_api().openapi()

    too_many = document["paths"]["/free"]["get"]["responses"]["429"]

    assert "Retry-After" in too_many["headers"]
    assert 429 not in codes(document, "/visits/{visit_id}")


def test_a_route_with_a_body_documents_unreadable_and_too_large_bodies() -> None:
    document = clinic_api().openapi()

    assert {400, 413, 422} <= codes(document, "/visits", "post")
    assert not {400, 413} & codes(document, "/visits/{visit_id}")


def test_a_password_in_the_body_may_be_wrong() -> None:
    document = clinic_api().openapi()

    assert 401 in codes(document, "/sessions", "post")
    assert 401 not in codes(document, "/visits", "post")


def test_the_document_is_built_once_with_every_route_and_health_promises_only_size_errors() -> None:
    app = clinic_api()

    served = TestClient(app).get("/openapi.json").json()

    assert app.openapi() is app.openapi()
    assert served == app.openapi()
    assert codes(served, "/health") == {200, 414, 431}  # a request too large, wherever it goes


def test_a_route_added_after_the_document_was_built_is_described_too() -> None:
    app = clinic_api()
    app.openapi()

    @app.put("/visits/{visit_id}")
    def move(visit_id: str, body: Visit) -> dict[str, str]:
        return {}

    assert {404, 409, 413} <= codes(app.openapi(), "/visits/{visit_id}", "put")
