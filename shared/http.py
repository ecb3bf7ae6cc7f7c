"""HTTP plumbing every service's API uses, declared once: sessions, the staff check, domain errors
mapped to status codes, correlation ids, validation errors, health.

A service's `create_app` calls `install_common(app, database, settings, errors, clock)`; its routes then
take `SessionDep` / `ReadSessionDep` and `shared.staff.StaffDep` (or `AdminDep`), which find the
service's database and staff check on `app.state`."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from time import perf_counter
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

import anyio
from fastapi import Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.clock import Clock, system_clock
from shared.db import Database
from shared.observability import correlation_id, observe_http
from shared.openapi import describe_answers
from shared.rate_limits import install_limits
from shared.settings import BaseServiceSettings
from shared.staff import StaffCheck
from shared.text import ONE_LINE

access_log = logging.getLogger("clinic.access")
_CORRELATION = re.compile(r"[A-Za-z0-9._:-]{1,64}")
WRITE_TURNS = 8  # PostgreSQL: write transactions at once per API process (below its pool of 10)


_turns: WeakKeyDictionary[Database, anyio.CapacityLimiter] = WeakKeyDictionary()
T = TypeVar("T")


def _write_turns(database: Database) -> anyio.CapacityLimiter:
    """At most this many write transactions at once in this process: one on SQLite, which lets one
    writer in at a time anyway, WRITE_TURNS on PostgreSQL."""
    if database not in _turns:
        _turns[database] = anyio.CapacityLimiter(1 if database.engine().dialect.name == "sqlite" else WRITE_TURNS)
    return _turns[database]


async def in_write_turn(database: Database, work: Callable[[], T]) -> T:
    """Run `work` (which writes) in a thread once it is this process's turn to write (see `_session`)."""
    async with _write_turns(database):
        return await run_in_threadpool(work)


async def _session(request: Request) -> AsyncIterator[Session]:
    """A write transaction, committed before the response is sent (scope="function"): a client never
    sees a 2xx for lost work.

    Requests take turns for it on the event loop, not in threads: a sync dependency's commit runs in
    a thread of its own, and a burst of requests blocked in every thread (waiting for SQLite's one
    writer, or for a pooled connection) would leave the request that holds the turn no thread to
    commit in. Background work that writes takes its turn the same way (`in_write_turn`)."""
    database = request.app.state.database
    async with _write_turns(database):
        db = database.session_factory()()
        try:
            yield db
            await run_in_threadpool(db.commit)
        except BaseException:
            with anyio.CancelScope(shield=True):  # a cancelled request still lets go of its transaction
                await run_in_threadpool(db.rollback)
            raise
        finally:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(db.close)


def _read_session(request: Request) -> Iterator[Session]:
    with request.app.state.database.read_session_factory()() as db, db.begin():
        yield db


SessionDep = Annotated[Session, Depends(_session, scope="function")]
# An id, code or slug in a path: one bounded line (a NUL would be a 500 from PostgreSQL, not a 404).
PathCode = Annotated[str, Path(min_length=1, max_length=64), ONE_LINE]
ReadSessionDep = Annotated[Session, Depends(_read_session, scope="function")]


# What a browser page may send and read across origins: never X-API-Key (the machine key is for
# machine-to-machine calls; pages sign staff in and send a bearer token).
CORS_HEADERS = ["Content-Type", "Authorization", "X-Booking-Token", "Idempotency-Key", "X-Correlation-ID"]
CORS_EXPOSED = ["X-Correlation-ID", "Idempotent-Replayed", "Retry-After", "Location", "Link"]


def install_common(
    app: FastAPI,
    database: Database,
    settings: BaseServiceSettings,
    errors: Mapping[type[Exception], int] | None = None,
    clock: Clock = system_clock,
) -> None:
    """The service's database, and its staff check (machine key, token secret, `clock` for token
    lifetimes) for shared.staff's dependencies; each domain error class in
    `errors` answered with its status code and the error's message; correlation ids in and out
    (X-Correlation-ID), each request's latency observed and an access line logged; validation errors
    that say which field is wrong; a /health endpoint; CORS for the origins in CORS_ORIGINS (no other
    origin gets CORS headers)."""
    app.state.database = database
    app.state.staff_check = StaffCheck(
        machine_key=settings.admin_api_key,
        token_secret=settings.staff_token_secret.get_secret_value(),
        token_minutes=settings.staff_token_minutes,
        clock=clock,
    )

    def _domain_error(_request: Request, error: Exception) -> JSONResponse:
        code = next(code for kind, code in (errors or {}).items() if isinstance(error, kind))
        # An error may add fields a page acts on (e.g. a screening's advice) beside the message.
        return JSONResponse(status_code=code, content={"detail": str(error), **getattr(error, "extra", {})})

    for kind in errors or {}:
        app.add_exception_handler(kind, _domain_error)

    app.add_middleware(_Observed)
    install_limits(app, settings)
    describe_answers(app, set((errors or {}).values()))

    @app.exception_handler(RequestValidationError)
    def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        # Say which field is wrong and why, without echoing the input back (it may be personal data).
        problems = [_problem(e) for e in error.errors()]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(status_code=422, content={"detail": summary, "errors": problems})

    # Added last so it runs first: a preflight is answered before anything else looks at the request.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )

    @app.get("/health", tags=["ops"], summary="Liveness: the process answers")
    def health() -> dict[str, str]:
        return {"status": "ok"}


def _problem(error: dict[str, Any]) -> dict[str, str]:
    if error["type"] == "json_invalid":
        return {"field": "body", "problem": f"the body is not valid JSON (at character {error['loc'][-1]})"}
    location = list(error["loc"])
    if location and location[0] in ("body", "query", "path", "header"):
        location = location[1:]
    return {"field": ".".join(str(part) for part in location) or "body", "problem": str(error["msg"])}


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # others: one label, "other"


class _Observed:
    """Correlation ids in and out (X-Correlation-ID), set for everything the request does; then its
    latency in clinic_http_request_seconds and one access line (method, route template, status; never the
    path, the query string or the client's address). Plain ASGI, so the id is still set when uvicorn
    sends the answer and while background tasks run."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("X-Correlation-ID", "")
        # It travels into events and mail headers: only a plain token is taken, anything else is replaced.
        value = given if _CORRELATION.fullmatch(given) else str(uuid.uuid4())
        token = correlation_id.set(value)
        started, status_code, observed = perf_counter(), 500, False

        def observe() -> None:
            nonlocal observed
            observed, seconds = True, perf_counter() - started
            # The route's template, never the path: a path is the client's text (ids, names, anything).
            method = scope["method"] if scope["method"] in _METHODS else "other"
            route = getattr(scope.get("route"), "path", "unmatched")
            observe_http(getattr(scope["app"].state, "service", ""), method, route, status_code, seconds)
            fields = {"method": method, "route": route, "status": status_code, "duration_ms": round(seconds * 1e3, 2)}
            access_log.info("%s %s %d", method, route, status_code, extra=fields)

        async def send_observed(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Correlation-ID"] = value
                # Answers carry bookings and health answers: no browser or proxy keeps them.
                headers.setdefault("Cache-Control", "no-store")
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                observe()  # at the last byte, before any background task: what the client waited

        try:
            await self.app(scope, receive, send_observed)
        finally:
            if not observed:  # failed before answering in full
                observe()
            correlation_id.reset(token)
