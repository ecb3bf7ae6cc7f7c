"""Staff account use cases: signing in, creating and changing accounts, setting passwords."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from services.catalog.adapters.accounts import AbstractAccounts
from services.catalog.domain.accounts import (
    Account,
    AccountConflict,
    check_password,
    keeps_an_admin,
    normalise_email,
    rights_changed,
    session_refusal,
)
from services.catalog.domain.errors import UnknownEntry


class PasswordHashing(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...
    def verify_nobody(self, password: str) -> None: ...


def sign_in(accounts: AbstractAccounts, passwords: PasswordHashing, email: str, password: str) -> Account | None:
    """The active account with this email and password, or None (one answer for every way of being
    wrong). An unknown email costs a verification too, so timing does not reveal which emails exist."""
    account = accounts.by_email(normalise_email(email))
    if account is None:
        passwords.verify_nobody(password)
        return None
    if not passwords.verify(account.password_hash, password) or not account.active:
        return None
    return account


def rehash_if_needed(
    accounts: AbstractAccounts, passwords: PasswordHashing, account: Account, password: str, now: datetime
) -> bool:
    """Store a new hash when the hasher's parameters changed since this one was made; returns whether it did."""
    if not passwords.needs_rehash(account.password_hash):
        return False
    accounts.replace(replace(account, password_hash=passwords.hash(password)), now)
    return True


@dataclass(frozen=True)
class NewAccount:
    email: str
    name: str
    role: str
    password: str
    locations: tuple[str, ...] = ()
    therapist: str | None = None


def create_account(accounts: AbstractAccounts, passwords: PasswordHashing, new: NewAccount, now: datetime) -> Account:
    check_password(new.password)
    account = Account(
        id=str(uuid.uuid4()),
        email=normalise_email(new.email),
        name=new.name.strip(),
        role=new.role,
        password_hash="",
        locations=list(new.locations),
        therapist=new.therapist,
        credentials_changed_at=now,
    )
    account.validate()
    if accounts.by_email(account.email) is not None:
        raise AccountConflict("an account with this email exists already")
    account.password_hash = passwords.hash(new.password)  # last: hashing is slow, and wasted on bad input
    accounts.add(account, now)  # AccountConflict too when another request took the email meanwhile
    return account


@dataclass(frozen=True)
class AccountChange:
    """What an admin may change; None leaves a field as it is. An account that is no therapist has no code."""

    name: str | None = None
    role: str | None = None
    locations: tuple[str, ...] | None = None
    therapist: str | None = None
    active: bool | None = None


def _existing(accounts: AbstractAccounts, account_id: str) -> Account:
    account = accounts.get(account_id)
    if account is None:
        raise UnknownEntry("no account with this id")
    return account


def change_account(accounts: AbstractAccounts, account_id: str, change: AccountChange, now: datetime) -> Account:
    before = _existing(accounts, account_id)
    after = replace(
        before,
        name=before.name if change.name is None else change.name.strip(),
        role=before.role if change.role is None else change.role,
        locations=before.locations if change.locations is None else list(change.locations),
        therapist=before.therapist if change.therapist is None else change.therapist,
        active=before.active if change.active is None else change.active,
    )
    if after.role != "therapist":
        after.therapist = None  # a role change away from therapist drops the code
    after.validate()
    # Counted with the active admins' rows locked (only when this change removes one): two admins
    # disabling each other at once cannot both pass.
    if (
        before.is_active_admin
        and not after.is_active_admin
        and not keeps_an_admin(before, after, accounts.active_admins())
    ):
        raise AccountConflict("this is the last active admin: make another admin first")
    if rights_changed(before, after):
        after.credentials_changed_at = now  # the sessions begun before now get no new token
    accounts.replace(after, now)
    return after


def set_password(
    accounts: AbstractAccounts, passwords: PasswordHashing, account_id: str, password: str, now: datetime
) -> Account:
    check_password(password)
    # A new password ends the sessions signed in with the old one (someone may have stolen a token).
    account = replace(
        _existing(accounts, account_id), password_hash=passwords.hash(password), credentials_changed_at=now
    )
    accounts.replace(account, now)
    return account


class SessionEnded(Exception):
    """A session that gets no new token (the message says why, ending in "sign in again")."""


def refreshable(
    accounts: AbstractAccounts, account_id: str, signed_in_at: float, now: datetime, longest: timedelta
) -> Account:
    """The account of a session signed in at `signed_in_at` (POSIX seconds) that may have a new token;
    SessionEnded when the account is gone or disabled, the session older than `longest`, or the
    account's password or rights changed after the sign-in."""
    account = accounts.get(account_id)
    if account is None or not account.active:
        raise SessionEnded("this account is disabled or gone: sign in again")
    refusal = session_refusal(account, datetime.fromtimestamp(signed_in_at, UTC), now, longest)
    if refusal is not None:
        raise SessionEnded(refusal)
    return account


def ensure_admin(  # five inputs: where accounts are, how to hash, and who the admin is
    accounts: AbstractAccounts, passwords: PasswordHashing, email: str, name: str, password: str, now: datetime
) -> Account | None:
    """Create this admin unless an account with the email exists; returns the new account or None."""
    if accounts.by_email(normalise_email(email)) is not None:
        return None
    return create_account(accounts, passwords, NewAccount(email=email, name=name, role="admin", password=password), now)
