"""Limits on what one client may ask of an API: request rates (on Redis, shared by every API process)
and the sizes of bodies, query strings and headers (applied by `install_common`).

Rates are counted with the `limits` library's moving window on Redis (the service's REDIS_URL, or
RATE_LIMIT_STORAGE_URL), so every process of an API counts against the same budget. A route opts in with
one of the dependencies below (`dependencies=[LimitAvailability]`, or a `BookingBudget` parameter it
spends); over a limit it answers 429 with
`Retry-After` (seconds) and `{"detail": "<which limit, when to retry>"}`.

Who is counted: the client's address (`request.client.host`: uvicorn replaces it with X-Forwarded-For's
only for proxies in FORWARDED_ALLOW_IPS; a request without one is not counted per address), an email,
or a booking as one token holder changes it.
Keys never hold personal data: every identity is an HMAC under the service's ADMIN_API_KEY.
Staff and machines (a verified `X-API-Key` or staff bearer token) are not counted by the client limits:
the front desk books for many clients from one address.

If the store cannot be reached the request is served (fail open: a booking is never lost because the
limiter is down); a warning is logged now and then, and the store is tried again a few seconds later."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.settings import BaseServiceSettings, RateLimitSettings, parse_limits
from shared.staff import InvalidToken, StaffCheck, verify_token

log = logging.getLogger("clinic.rate_limits")

STORE_RETRY_SECONDS = 5.0  # after the store failed, requests go unlimited this long before it is tried again
WARN_EVERY_SECONDS = 60.0  # at most one "store unreachable" warning per process this often
STORE_TIMEOUT_SECONDS = 0.5  # a hung store delays a request at most about this long
KEY_PREFIX = "clinic-limits"
MAX_QUERY_BYTES = 8 * 1024  # the query string after `?`: 414 beyond
MAX_HEADER_BYTES = 16 * 1024  # all header names and values (h11's bound, kept for every arrival): 431 beyond


@dataclass(frozen=True)
class Rule:
    """One named budget: its limits, and what a refused client is told."""

    name: str  # part of the Redis key
    limits: tuple[RateLimitItem, ...]
    refusal: str  # "too many ...": the 429's message starts with it


def rules(settings: RateLimitSettings) -> dict[str, Rule]:
    """Each rule by name, from `settings`."""
    described = {
        "bookings-per-address": (settings.bookings_per_address, "too many booking requests from your address"),
        "bookings-per-email": (settings.bookings_per_email, "too many booking requests for this email address"),
        "availability-per-address": (
            settings.availability_per_address,
            "too many availability requests from your address",
        ),
        "booking-changes": (settings.booking_changes, "too many changes to this booking"),
        "sign-in-per-address": (settings.sign_in_per_address, "too many sign-in attempts from your address"),
        "sign-in-per-email": (settings.sign_in_per_email, "too many sign-in attempts for this account"),
    }
    return {name: Rule(name, tuple(parse_limits(text)), refusal) for name, (text, refusal) in described.items()}


class TooManyRequests(HTTPException):
    """429 with Retry-After; the message names the limit reached and when to try again."""

    def __init__(self, rule: Rule, item: RateLimitItem, retry_after: int) -> None:
        self.retry_after = retry_after
        per = item.GRANULARITY.name if item.multiples == 1 else f"{item.multiples} {item.GRANULARITY.name}s"
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"{rule.refusal}: at most {item.amount} per {per}; try again in {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )


def identity_key(secret: str, kind: str, value: str) -> str:
    """What stands for `value` (an address, an email, a booking) in a Redis key: an HMAC, so the key
    says nothing about the client and cannot be reversed by guessing emails without the secret."""
    digest = hmac.new(secret.encode(), f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def client_address(request: Request) -> str | None:
    """The client's network address as counted: IPv6 by its /64 (one household or host holds a whole
    /64). None when the request has no network address (a Unix socket without proxy headers, the test
    client): such requests are not counted per address, which would put all of them in one budget."""
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def normalised_email(value: object) -> str | None:
    """An email as one person's budget: trimmed and case-folded; None when it is not a string."""
    return value.strip().casefold() or None if isinstance(value, str) else None


class Limiter:
    """The rules of one API on its store. `check` raises TooManyRequests, or lets the request through
    (also when the store is unreachable)."""

    def __init__(self, settings: RateLimitSettings, storage_url: str, secret: str) -> None:
        self.enabled = settings.rate_limit_enabled
        self.rules = rules(settings)
        self.secret = secret
        options: dict[str, Any] = {"key_prefix": KEY_PREFIX}
        if storage_url.startswith(("redis", "valkey")):
            options |= {"socket_connect_timeout": STORE_TIMEOUT_SECONDS, "socket_timeout": STORE_TIMEOUT_SECONDS}
        # Nothing connects here (the client connects on first use); an unknown scheme fails at start.
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_url, wrap_exceptions=True, **options))
        self._store_down_until = 0.0
        self._warned_at = -math.inf

    def check(self, checks: Sequence[tuple[str, str, str]]) -> None:
        """Count one request against each (rule, kind, value) in turn; the first rule over its limit
        refuses it (later rules are not counted)."""
        if not self.enabled or time.monotonic() < self._store_down_until:
            return
        strategy = self.strategy
        try:
            for rule_name, kind, value in checks:
                rule = self.rules[rule_name]
                key = identity_key(self.secret, kind, value)
                for item in rule.limits:
                    if not strategy.hit(item, rule.name, key):
                        reset = strategy.get_window_stats(item, rule.name, key).reset_time
                        raise TooManyRequests(rule, item, max(1, math.ceil(reset - time.time())))
        except StorageError as error:
            self._store_unreachable(error)

    def _store_unreachable(self, error: StorageError) -> None:
        now = time.monotonic()
        self._store_down_until = now + STORE_RETRY_SECONDS
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            # The error's class only: its text may name the store's URL (with a password).
            log.warning(
                "rate limits not applied: their store cannot be reached (%s); requests are served "
                "unlimited and the store is tried again every %s s",
                type(error.storage_error).__name__,
                STORE_RETRY_SECONDS,
            )

    def clear(self, rule_name: str, kind: str, value: str) -> None:
        """Forget what was counted for one identity (tests, or staff lifting a block by hand)."""
        rule = self.rules[rule_name]
        for item in rule.limits:
            self.strategy.clear(item, rule.name, identity_key(self.secret, kind, value))


def install_limits(app: FastAPI, settings: BaseServiceSettings) -> None:
    """Install the size bounds (body, query string, headers) and the rate limiter's store on `app`."""
    limits_ = settings
    app.state.rate_limiter = Limiter(
        limits_, limits_.rate_limit_storage_url or settings.redis_url, settings.admin_api_key
    )
    too_large = (
        f"the request body is larger than {limits_.max_body_bytes} bytes, the most this API accepts (MAX_BODY_BYTES)"
    )
    app.add_middleware(_RequestBounds, max_body_bytes=limits_.max_body_bytes, too_large=too_large)

    async def _too_large(_request: Request, _error: Exception) -> JSONResponse:
        return JSONResponse(status_code=413, content={"detail": too_large})

    app.add_exception_handler(413, _too_large)


class _RequestBounds:
    """Refuse a request whose query string or headers are too long, or whose declared body is too large,
    before the app sees it; count the bytes of a body as they arrive (a chunked one declares no length)
    and stop reading it at the limit. uvicorn's h11 bounds a header block (16 KiB) only while it is
    incomplete in its buffer: one that arrives in a single read passes whatever its size."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, too_large: str) -> None:
        self.app, self.max_body_bytes, self.too_large = app, max_body_bytes, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if refusal := self._refusal(scope):
            code, detail = refusal
            await JSONResponse(status_code=code, content={"detail": detail})(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                # Raised where the route reads its body: FastAPI passes an HTTPException on, and the
                # 413 handler install_limits adds answers it.
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self.too_large)
            return message

        await self.app(scope, counted, send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
            return 414, f"the query string is longer than {MAX_QUERY_BYTES} bytes, the most this API accepts"
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER_BYTES:
            return 431, f"the request headers are larger than {MAX_HEADER_BYTES} bytes, the most this API accepts"
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return 413, self.too_large
        return None


# --- who is asking ---------------------------------------------------------------------------------


def is_verified_staff(request: Request) -> bool:
    """A verified staff or machine credential: the machine key (X-API-Key) or a valid staff bearer token.
    A header that does not verify counts as a client (else any made-up header would escape the limits)."""
    check: StaffCheck | None = getattr(request.app.state, "staff_check", None)  # set by install_common
    if check is None:
        return False
    if check.is_machine_key(request.headers.get("x-api-key")):
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        verify_token(token.strip(), check.token_secret, check.clock.now())
    except InvalidToken:
        return False
    return True


def _limiter(request: Request) -> Limiter | None:
    limiter: Limiter | None = getattr(request.app.state, "rate_limiter", None)
    return limiter if limiter is not None and limiter.enabled else None


async def _json_field(request: Request, *path: str) -> object:
    """A field of the JSON body (already read by FastAPI), or None; a body that is not JSON is the
    route's validation's to refuse."""
    try:
        found: object = await request.json()
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    for part in path:
        found = found.get(part) if isinstance(found, dict) else None
    return found


def _per_address(rule: str, request: Request) -> list[tuple[str, str, str]]:
    address = client_address(request)
    return [(rule, "address", address)] if address else []


async def _count(request: Request, checks: Sequence[tuple[str, str, str]]) -> None:
    limiter = _limiter(request)
    if limiter is not None and checks:
        await run_in_threadpool(limiter.check, checks)  # Redis is blocking I/O: off the event loop


# --- the dependencies routes declare ---------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """Counts a route spends only once it knows the request costs something (a new booking, not the
    replay of one)."""

    limiter: Limiter | None = None
    checks: tuple[tuple[str, str, str], ...] = ()

    def spend(self) -> None:
        """Count now (blocking: call it from a sync route); TooManyRequests when over a limit."""
        if self.limiter is not None and self.checks:
            self.limiter.check(self.checks)


async def limit_booking_creation(request: Request) -> Budget:
    """POST /bookings: per client address at once; per client email as the route makes a new booking,
    so the replays of one Idempotency-Key (and their racing twins) cost that person nothing (staff exempt)."""
    limiter = _limiter(request)
    if limiter is None or is_verified_staff(request):
        return Budget()
    await _count(request, _per_address("bookings-per-address", request))
    email = normalised_email(await _json_field(request, "client", "email"))
    return Budget(limiter, (("bookings-per-email", "email", email),) if email else ())


async def limit_availability(request: Request) -> None:
    """GET /availability: per client address (staff exempt)."""
    if _limiter(request) is None or is_verified_staff(request):
        return
    await _count(request, _per_address("availability-per-address", request))


def booking_changes(request: Request) -> Budget:
    """A client's reschedule, cancel or new answers: per booking, spent once its token has been checked
    (so a stranger who knows only the id cannot use up its client's budget, and the tokens of Idempotency-Key
    replays share one budget); staff exempt."""
    limiter = _limiter(request)
    if limiter is None or is_verified_staff(request):
        return Budget()
    return Budget(limiter, (("booking-changes", "booking", str(request.path_params.get("booking_id", ""))),))


async def limit_sign_in(request: Request) -> None:
    """POST /staff/sessions: per address and per email tried (nobody exempt: nobody is signed in yet)."""
    if _limiter(request) is None:
        return
    checks = _per_address("sign-in-per-address", request)
    if email := normalised_email(await _json_field(request, "email")):
        checks.append(("sign-in-per-email", "email", email))
    await _count(request, checks)


BookingBudget = Annotated[Budget, Depends(limit_booking_creation)]
LimitAvailability = Depends(limit_availability)
BookingChanges = Annotated[Budget, Depends(booking_changes)]
LimitSignIn = Depends(limit_sign_in)
