"""Staff sign-in and accounts: sessions (a short-lived token for all three APIs), refresh, who am I, and
account management for admins. Every account change is in the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from services.catalog.adapters.accounts import SqlAccounts
from services.catalog.adapters.orm import audit
from services.catalog.bootstrap import Wiring
from services.catalog.domain.accounts import Account
from services.catalog.service_layer import accounts
from shared.db import transaction
from shared.http import ReadSessionDep, SessionDep
from shared.rate_limits import LimitSignIn
from shared.staff import AdminDep, Staff, StaffCheck, StaffDep
from shared.text import ONE_LINE, Line

router = APIRouter(prefix="/staff", tags=["staff accounts"])
WRONG = "the email or password is wrong"
# One line each (no NUL, no control character): PostgreSQL refuses NUL, and a name goes into mail headers.
Code = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]
AccountId = Annotated[str, Path(min_length=1, max_length=36), ONE_LINE]


class SignIn(BaseModel):
    email: Line = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class AccountPublic(BaseModel):
    id: str
    email: str
    name: str
    role: Literal["admin", "front_desk", "therapist"]
    locations: list[str]
    therapist: str | None


class AccountAdminView(AccountPublic):
    active: bool


class SessionPublic(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    account: AccountPublic


class AccountCreate(BaseModel):
    email: Line = Field(min_length=3, max_length=320)
    name: Line = Field(min_length=1, max_length=200)
    role: Literal["admin", "front_desk", "therapist"]
    locations: list[Code] = Field(default_factory=list, max_length=50)
    therapist: Code | None = None
    password: str = Field(min_length=1, max_length=1024, description="at least 12 characters")


class AccountUpdate(BaseModel):
    """Fields left out stay as they are."""

    name: Annotated[str, ONE_LINE] | None = Field(None, min_length=1, max_length=200)
    role: Literal["admin", "front_desk", "therapist"] | None = None
    locations: list[Code] | None = Field(None, max_length=50)
    therapist: Code | None = None
    active: bool | None = None


class PasswordSet(BaseModel):
    password: str = Field(min_length=1, max_length=1024, description="at least 12 characters")


def _wiring(request: Request) -> Wiring:
    wiring: Wiring = request.app.state.wiring
    return wiring


def _public(account: Account) -> AccountPublic:
    return AccountPublic(
        id=account.id,
        email=account.email,
        name=account.name,
        role=account.role,  # type: ignore[arg-type]  # validated by the domain
        locations=list(account.locations),
        therapist=account.therapist,
    )


def _admin_view(account: Account) -> AccountAdminView:
    return AccountAdminView(**_public(account).model_dump(), active=account.active)


def _session(request: Request, account: Account, signed_in_at: float | None = None) -> SessionPublic:
    """A token for `account` as it is now; `signed_in_at` carries a refreshed session's sign-in time."""
    check: StaffCheck = request.app.state.staff_check
    issued = check.issue(
        Staff(
            id=account.id,
            role=account.role,
            locations=tuple(account.locations),
            therapist=account.therapist,
            name=account.name,
            auth_time=signed_in_at,
        )
    )
    return SessionPublic(token=issued.token, expires_at=issued.expires_at, account=_public(account))


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionPublic, dependencies=[LimitSignIn])
def sign_in(body: SignIn, request: Request, session: ReadSessionDep) -> SessionPublic:
    """Sign in with email and password: a token for `Authorization: Bearer` on all three APIs. One
    answer (401) for an unknown email, a wrong password and a disabled account."""
    wiring = _wiring(request)
    account = accounts.sign_in(SqlAccounts(session), wiring.passwords, body.email, body.password)
    if account is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, WRONG)
    if wiring.passwords.needs_rehash(account.password_hash):
        # The hasher's parameters changed since this hash was made: store one made with the new ones.
        with transaction(wiring.database.session_factory()) as writing:
            now = wiring.clock.now()
            accounts.rehash_if_needed(SqlAccounts(writing), wiring.passwords, account, body.password, now)
    return _session(request, account)


def _signed_in_account(staff: Staff, session: ReadSessionDep) -> Account:
    if staff.role == "machine":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed: the machine key is not an account")
    account = SqlAccounts(session).get(staff.id)
    if account is None or not account.active:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "this account is disabled or gone: sign in again")
    return account


@router.post("/sessions/refresh", status_code=status.HTTP_201_CREATED, response_model=SessionPublic)
def refresh(request: Request, staff: StaffDep, session: ReadSessionDep) -> SessionPublic:
    """A new token for a still valid one, with the account as it is now. None (401, sign in again) for a
    disabled account (that is how it loses access within one token lifetime), a session signed in more
    than STAFF_SESSION_HOURS ago, or one signed in before the account's password or rights changed."""
    if staff.role == "machine":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed: the machine key is not an account")
    wiring = _wiring(request)
    signed_in_at = staff.auth_time if staff.auth_time is not None else wiring.clock.now().timestamp()
    longest = timedelta(hours=wiring.settings.staff_session_hours)
    try:
        account = accounts.refreshable(SqlAccounts(session), staff.id, signed_in_at, wiring.clock.now(), longest)
    except accounts.SessionEnded as ended:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(ended), headers={"WWW-Authenticate": "Bearer"}) from ended
    return _session(request, account, signed_in_at)


@router.get("/me", response_model=AccountPublic)
def me(staff: StaffDep, session: ReadSessionDep) -> AccountPublic:
    return _public(_signed_in_account(staff, session))


@router.get("/accounts", response_model=list[AccountAdminView])
def list_accounts(
    session: ReadSessionDep,
    _admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AccountAdminView]:
    """Admin: accounts by email, a page at a time."""
    return [_admin_view(account) for account in SqlAccounts(session).page(limit, offset)]


@router.post("/accounts", status_code=status.HTTP_201_CREATED, response_model=AccountAdminView)
def create_account(
    body: AccountCreate, request: Request, session: SessionDep, admin: AdminDep, response: Response
) -> AccountAdminView:
    """Admin: a new account (409 when the email has one)."""
    wiring = _wiring(request)
    new = accounts.NewAccount(
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        locations=tuple(body.locations),
        therapist=body.therapist,
    )
    now = wiring.clock.now()
    account = accounts.create_account(SqlAccounts(session), wiring.passwords, new, now)
    audit.record(session, admin, "account.create", account.id, now)
    response.headers["Location"] = f"/staff/accounts/{account.id}"
    return _admin_view(account)


@router.put("/accounts/{account_id}", response_model=AccountAdminView)
def update_account(
    account_id: AccountId, body: AccountUpdate, request: Request, session: SessionDep, admin: AdminDep
) -> AccountAdminView:
    """Admin: change role, locations, therapist code, name or whether the account may sign in (409 for
    the last active admin)."""
    now = _wiring(request).clock.now()
    change = accounts.AccountChange(
        name=body.name,
        role=body.role,
        locations=None if body.locations is None else tuple(body.locations),
        therapist=body.therapist,
        active=body.active,
    )
    account = accounts.change_account(SqlAccounts(session), account_id, change, now)
    audit.record(session, admin, "account.update", account.id, now)
    return _admin_view(account)


@router.put("/accounts/{account_id}/password", status_code=status.HTTP_204_NO_CONTENT)
def set_password(
    account_id: AccountId, body: PasswordSet, request: Request, session: SessionDep, admin: AdminDep
) -> None:
    """Admin: set an account's password (at least 12 characters)."""
    wiring = _wiring(request)
    now = wiring.clock.now()
    accounts.set_password(SqlAccounts(session), wiring.passwords, account_id, body.password, now)
    audit.record(session, admin, "account.password", account_id, now)
