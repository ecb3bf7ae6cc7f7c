"""Staff accounts: who may sign in, with which role, at which locations. Plain Python: the hashing is an
adapter's, the storage a repository's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.catalog.domain.errors import CatalogError
from services.catalog.domain.model import check_code

ROLES = ("admin", "front_desk", "therapist")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing is slow on purpose: no megabyte passwords
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccountConflict(CatalogError):
    """A change that contradicts other accounts (an email taken, the last active admin removed)."""


def normalise_email(email: str) -> str:
    """Emails are the sign-in name, compared without case."""
    return email.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CatalogError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise CatalogError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


@dataclass
class Account:
    id: str
    email: str
    name: str
    role: str
    password_hash: str
    locations: list[str] = field(default_factory=list)  # admin: may be empty (everywhere)
    therapist: str | None = None  # a therapist code, for role therapist only
    active: bool = True
    # Set when the password is set, or the account is disabled or given another role or therapist code:
    # sessions signed in before it may not be refreshed. None: never since 0007.
    credentials_changed_at: datetime | None = None

    def validate(self) -> None:
        if self.email != normalise_email(self.email) or not _EMAIL.fullmatch(self.email) or len(self.email) > 320:
            raise CatalogError("the email is not a valid address")
        if not self.name.strip() or len(self.name) > 200:
            raise CatalogError("a name needs 1 to 200 characters")
        if self.role not in ROLES:
            raise CatalogError(f"the role must be one of {', '.join(ROLES)}")
        for code in self.locations:
            check_code(code, "location code")
        if len(set(self.locations)) != len(self.locations):
            raise CatalogError("a location is listed twice")
        if self.role == "front_desk" and not self.locations:
            raise CatalogError("a front desk account needs at least one location")
        if self.role == "therapist":
            if not self.therapist:
                raise CatalogError("a therapist account needs its therapist code")
            check_code(self.therapist, "therapist code")
        elif self.therapist is not None:
            raise CatalogError("only a therapist account has a therapist code")

    @property
    def is_active_admin(self) -> bool:
        return self.active and self.role == "admin"


def keeps_an_admin(before: Account, after: Account, active_admins: int) -> bool:
    """Whether changing `before` into `after` leaves at least one active admin (there are `active_admins`)."""
    return not (before.is_active_admin and not after.is_active_admin and active_admins <= 1)


def rights_changed(before: Account, after: Account) -> bool:
    """Whether a change of `before` into `after` ends the sessions signed in before it: disabled, another
    role or another therapist code. Not a new name, nor new locations: the next token carries those, and
    an open desk page follows them without a new sign-in."""
    return (before.active and not after.active) or (before.role, before.therapist) != (after.role, after.therapist)


def session_refusal(account: Account, signed_in_at: datetime, now: datetime, longest: timedelta) -> str | None:
    """Why a session signed in at `signed_in_at` may not get a new token now, or None when it may: it
    is older than `longest`, or the account's credentials changed after it began."""
    if now - signed_in_at > longest:
        return "this session is too old: sign in again"
    if account.credentials_changed_at is not None and signed_in_at < account.credentials_changed_at:
        return "the password or rights of this account changed: sign in again"
    return None
