"""Staff accounts in the catalog's database, and their passwords hashed with Argon2id (argon2-cffi)."""

from __future__ import annotations

import abc
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.catalog.adapters import orm
from services.catalog.domain.accounts import Account, AccountConflict


class AbstractAccounts(abc.ABC):
    """What the account use cases need of storage."""

    @abc.abstractmethod
    def get(self, account_id: str) -> Account | None: ...

    @abc.abstractmethod
    def by_email(self, email: str) -> Account | None:
        """`email` normalised already (lower-case)."""

    @abc.abstractmethod
    def page(self, limit: int, offset: int) -> list[Account]:
        """Accounts by email."""

    @abc.abstractmethod
    def add(self, account: Account, now: datetime) -> None:
        """AccountConflict when the email has an account (one added since the caller looked, too)."""

    @abc.abstractmethod
    def replace(self, account: Account, now: datetime) -> None: ...

    @abc.abstractmethod
    def active_admins(self) -> int:
        """How many active admins there are, their rows locked until the transaction ends."""


class SqlAccounts(AbstractAccounts):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: str) -> Account | None:
        row = self.session.execute(select(orm.account).where(orm.account.c.id == account_id)).first()
        return _account(row) if row else None

    def by_email(self, email: str) -> Account | None:
        row = self.session.execute(select(orm.account).where(orm.account.c.email == email)).first()
        return _account(row) if row else None

    def page(self, limit: int, offset: int) -> list[Account]:
        query = select(orm.account).order_by(orm.account.c.email).limit(limit).offset(offset)
        return [_account(row) for row in self.session.execute(query)]

    def add(self, account: Account, now: datetime) -> None:
        try:
            self.session.execute(insert(orm.account).values(**_values(account), created_at=now, updated_at=now))
        except IntegrityError as error:
            # Two requests for one new email both found it free; the unique key let one of them in.
            if _is_email_key(error):
                raise AccountConflict("an account with this email exists already") from error
            raise

    def replace(self, account: Account, now: datetime) -> None:
        self.session.execute(
            update(orm.account).where(orm.account.c.id == account.id).values(**_values(account), updated_at=now)
        )

    def active_admins(self) -> int:
        # FOR UPDATE (PostgreSQL allows no aggregate with it: the ids, counted here): a concurrent change
        # of an admin waits for this transaction, then sees its outcome. SQLite has no FOR UPDATE and
        # needs none: it runs one writer at a time.
        query = (
            select(orm.account.c.id)
            .where(orm.account.c.role == "admin", orm.account.c.active.is_(True))
            .with_for_update()
        )
        return len(self.session.execute(query).all())


# The unique key on the email as PostgreSQL (its name) and SQLite (its column) report a violation.
_EMAIL_KEY_NAMES = ("uq_account_email", "account.email")


def _is_email_key(error: IntegrityError) -> bool:
    return any(name in str(error.orig) for name in _EMAIL_KEY_NAMES)


def _values(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "role": account.role,
        "locations": list(account.locations),
        "therapist": account.therapist,
        "active": account.active,
        "password_hash": account.password_hash,
        "credentials_changed_at": account.credentials_changed_at,
    }


def _account(row: Any) -> Account:
    values = {k: v for k, v in row._mapping.items() if k not in ("created_at", "updated_at")}
    return Account(**values)


class Passwords:
    """Argon2id with argon2-cffi's default parameters (RFC 9106's low-memory profile). A hash made
    with other parameters still verifies, and `needs_rehash` says to store a new one."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._nobody()  # made before the first answer of either kind, so neither first answer is slower
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    def verify_nobody(self, password: str) -> None:
        """As long as `verify` for an email nobody has: the answer's timing does not tell which emails exist."""
        self.verify(self._nobody(), password)

    def _nobody(self) -> str:
        """A hash of a random password, made with the hasher's parameters (on first use: not at every start)."""
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy
