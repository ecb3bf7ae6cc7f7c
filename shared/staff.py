"""Who a staff caller is and what they may do, the same in all three APIs.

A person signs in at the catalog (POST /staff/sessions) and gets a short-lived token (a JWT, HS256,
STAFF_TOKEN_SECRET); every API checks it locally, without asking the catalog. The `X-API-Key`
(ADMIN_API_KEY) is for machines (ops scripts, the demo, the services themselves): the actor
"machine", with every right.

Routes take `StaffDep` (401 without a valid credential) and then ask `staff.require(...)` or the
helpers below (403 saying what is missing)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shared.clock import Clock, system_clock

Role = Literal["admin", "front_desk", "therapist"]
ROLES: tuple[Role, ...] = ("admin", "front_desk", "therapist")
MACHINE = "machine"
ISSUER, AUDIENCE = "clinic-catalog", "clinic-staff"
ALGORITHM = "HS256"
NO_CREDENTIALS = (
    "staff only: sign in (Authorization: Bearer <token> from POST /staff/sessions at the catalog),"
    " or X-API-Key for machines"
)

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The clinic's machine key")
_bearer = HTTPBearer(auto_error=False, description="A staff token from POST {catalog}/staff/sessions")


@dataclass(frozen=True)
class Staff:
    """A signed-in person (from their token) or the machine key."""

    id: str  # the account id, or "machine"
    role: str  # one of ROLES, or "machine"
    locations: tuple[str, ...] = ()
    therapist: str | None = None  # the therapist code, for role therapist
    name: str = ""
    address: str | None = None  # the client's address as the API sees it (for the audit trail)
    # When the person signed in with their password (POSIX seconds), carried across refreshes: a session
    # has a maximum age, and a credential change ends the sessions begun before it. None: now.
    auth_time: float | None = None

    @property
    def everywhere(self) -> bool:
        """Every right: the machine, or an admin."""
        return self.role in (MACHINE, "admin")

    def is_role(self, *roles: str) -> bool:
        """One of `roles` (the machine and admins count as every role)."""
        return self.everywhere or self.role in roles

    def works_at(self, location: str) -> bool:
        """Whether this caller acts at `location`: admins and the machine everywhere, front desk at its own."""
        return self.everywhere or (self.role == "front_desk" and location in self.locations)

    def sees_booking(self, location: str, therapist: str | None) -> bool:
        """A booking's location and therapist: front desk at its locations, a therapist its own visits."""
        if self.role == "therapist":
            return self.therapist is not None and therapist == self.therapist
        return self.works_at(location)

    def require(self, allowed: bool, missing: str) -> None:
        """403 saying what is missing unless `allowed`."""
        if not allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"not allowed: {missing}")

    def require_role(self, *roles: str) -> None:
        self.require(self.is_role(*roles), f"this needs the role {' or '.join(roles)}")

    def require_location(self, location: str) -> None:
        self.require(self.works_at(location), f"your account does not act at location {location!r}")


# Tokens


@dataclass(frozen=True)
class Issued:
    token: str
    expires_at: datetime


def issue_token(staff: Staff, secret: str, minutes: int, now: datetime) -> Issued:
    """A token for `staff` (never the email or anything secret in it: a JWT is readable by anyone).
    `auth_time` is `staff.auth_time`, or `now` for a sign-in."""
    expires_at = (now + timedelta(minutes=minutes)).astimezone(UTC).replace(microsecond=0)
    claims = {
        "sub": staff.id,
        "role": staff.role,
        "locations": list(staff.locations),
        "therapist": staff.therapist,
        "name": staff.name,
        "iat": int(now.timestamp()),
        "auth_time": now.timestamp() if staff.auth_time is None else staff.auth_time,
        "exp": int(expires_at.timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return Issued(jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at)


class InvalidToken(Exception):
    """A token that is malformed, forged, for someone else, or expired (the message says which, broadly)."""


def verify_token(token: str, secret: str, now: datetime, address: str | None = None) -> Staff:
    """The staff member a token names, checked against `now` (the service's clock, not the machine's)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # fixed: never the algorithm the token claims ("none", RS256 with our key ...)
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "role", "exp", "iat", "iss", "aud"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken("the staff token is not valid") from error
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= now.timestamp():
        raise InvalidToken("the staff token has expired: sign in again")
    role, locations, therapist = claims["role"], claims.get("locations") or [], claims.get("therapist")
    auth_time = claims.get("auth_time", claims["iat"])  # a token from before auth_time existed: its iat
    if (
        role not in ROLES
        or not isinstance(claims["sub"], str)
        or not isinstance(locations, list)
        or not all(isinstance(code, str) for code in locations)
        or not (therapist is None or isinstance(therapist, str))
        or isinstance(auth_time, bool)
        or not isinstance(auth_time, int | float)
    ):
        raise InvalidToken("the staff token is not valid")
    return Staff(
        id=claims["sub"],
        role=role,
        locations=tuple(locations),
        therapist=therapist,
        name=str(claims.get("name") or ""),
        address=address,
        auth_time=float(auth_time),
    )


# FastAPI: `install_staff` (called by shared.http.install_common) puts the checker on app.state.


@dataclass(frozen=True)
class StaffCheck:
    machine_key: str
    token_secret: str
    token_minutes: int
    clock: Clock = system_clock

    def is_machine_key(self, given: str | None) -> bool:
        """Constant-time comparison, so response times do not reveal the key."""
        return bool(given) and hmac.compare_digest(str(given).encode(), self.machine_key.encode())

    def issue(self, staff: Staff) -> Issued:
        return issue_token(staff, self.token_secret, self.token_minutes, self.clock.now())


def _client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _credentials(
    request: Request, bearer: HTTPAuthorizationCredentials | None, api_key: str | None, required: bool
) -> Staff | None:
    check: StaffCheck = request.app.state.staff_check
    address = _client_address(request)
    if bearer is not None:
        try:
            return verify_token(bearer.credentials, check.token_secret, check.clock.now(), address)
        except InvalidToken as error:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, str(error), headers={"WWW-Authenticate": "Bearer"}
            ) from error
    if check.is_machine_key(api_key):
        return Staff(id=MACHINE, role=MACHINE, name="machine", address=address)
    if required:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            # Worded as before staff accounts existed (clients and tests match it); WWW-Authenticate
            # names the bearer scheme.
            NO_CREDENTIALS,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


def _staff(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> Staff:
    staff = _credentials(request, bearer, api_key, required=True)
    assert staff is not None
    return staff


def _maybe_staff(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> Staff | None:
    """For routes a client may also use with a booking token: None without staff credentials, 401 for a
    bad bearer token (a desk page with an expired one goes back to sign-in); a wrong X-API-Key counts
    as none at all."""
    return _credentials(request, bearer, api_key, required=False)


def _admin(staff: Annotated[Staff, Depends(_staff)]) -> Staff:
    staff.require_role("admin")
    return staff


StaffDep = Annotated[Staff, Depends(_staff)]
MaybeStaffDep = Annotated[Staff | None, Depends(_maybe_staff)]
AdminDep = Annotated[Staff, Depends(_admin)]
