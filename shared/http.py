"""HTTP plumbing every service's API uses: the staff key check, correlation ids, health."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from shared.db import SessionFactory

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
_CORRELATION = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The clinic's staff key")


def is_staff_key(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response times do not reveal the key."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def staff_only(expected_key: Callable[[], str]) -> Callable[..., None]:
    """A dependency that lets a request through only with the staff API key."""

    def check(api_key: str | None = Depends(_api_key_header)) -> None:
        if not is_staff_key(api_key, expected_key()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid X-API-Key header is required")

    return check


def install_common(app: FastAPI) -> None:
    """Correlation id in and out (X-Correlation-ID), and a /health endpoint."""

    @app.middleware("http")
    async def _correlation(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get("X-Correlation-ID", "")
        # It travels into events and mail headers: only a plain token is taken, anything else is replaced.
        value = given if _CORRELATION.fullmatch(given) else str(uuid.uuid4())
        token = correlation_id.set(value)
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        response.headers["X-Correlation-ID"] = value
        return response

    @app.exception_handler(RequestValidationError)
    def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        # Say which field is wrong and why, without echoing the input back (it may be personal data).
        problems = [_problem(e) for e in error.errors()]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(status_code=422, content={"detail": summary, "errors": problems})

    @app.get("/health", tags=["ops"], summary="Liveness: the process answers")
    def health() -> dict[str, str]:
        return {"status": "ok"}


def unit_of_work(factory: Callable[[], SessionFactory]) -> Callable[[], Iterator[Session]]:
    """A dependency giving one transaction per request, committed before the response is sent.

    Use it with `Depends(..., scope="function")`: a client never sees a 2xx for work that did not commit.
    """

    def session() -> Iterator[Session]:
        with factory()() as db, db.begin():
            yield db

    return session


def _problem(error: dict[str, Any]) -> dict[str, str]:
    if error["type"] == "json_invalid":
        return {"field": "body", "problem": f"the body is not valid JSON (at character {error['loc'][-1]})"}
    location = list(error["loc"])
    if location and location[0] in ("body", "query", "path", "header"):
        location = location[1:]
    return {"field": ".".join(str(part) for part in location) or "body", "problem": str(error["msg"])}
