"""Staff accounts from the command line: the first admin anywhere, the development admin for `make run`.

python -m ops.staff create-admin --email E --name N     the password from stdin, or asked twice on a terminal

Works on CATALOG_DATABASE_URL, migrated first (like `python -m ops.migrate catalog`). The password is
never an argument: arguments show in `ps` and in shell history.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from ops.migrate import migrate
from services.catalog.adapters.accounts import Passwords, SqlAccounts
from services.catalog.adapters.orm import audit
from services.catalog.config import CatalogSettings
from services.catalog.domain.accounts import MIN_PASSWORD_LENGTH, Account
from services.catalog.domain.errors import CatalogError
from services.catalog.service_layer import accounts
from shared.clock import system_clock
from shared.db import make_engine, make_session_factory, transaction
from shared.staff import MACHINE, Staff

DEV_ADMIN_EMAIL = "admin@clinic.example"
DEV_ADMIN_PASSWORD = "dev-admin-password"  # development only: refused under any other APP_ENV
DEV_ADMIN_NAME = "Development admin"
OPS = Staff(id="ops", role=MACHINE, name="ops")  # the audit trail's actor for these commands


def create_admin(database_url: str, email: str, name: str, password: str) -> Account | None:
    """Create an admin on the catalog's database (migrated first), with its audit row (actor "ops") in
    the same transaction; None when the email has an account."""
    migrate("catalog", database_url)
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            now = system_clock.now()
            created = accounts.ensure_admin(SqlAccounts(session), Passwords(), email, name, password, now)
            if created is not None:
                audit.record(session, OPS, "account.create", created.id, now)
            return created
    finally:
        engine.dispose()


def ensure_development_admin(settings: CatalogSettings | None = None) -> str | None:
    """For `make run`: the development admin, if missing, only when APP_ENV=development. Returns a line
    to print (what exists and how to sign in), or None outside development."""
    settings = settings or CatalogSettings()
    if settings.app_env != "development":
        return None
    created = create_admin(settings.database_url, DEV_ADMIN_EMAIL, DEV_ADMIN_NAME, DEV_ADMIN_PASSWORD)
    state = "created" if created else "exists"
    return f"development admin {state}: sign in on the desk page as {DEV_ADMIN_EMAIL} / {DEV_ADMIN_PASSWORD}"


def read_password(stdin: TextIO = sys.stdin) -> str:
    """From stdin when it is not a terminal (one line), else asked twice without echo."""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the two passwords differ; nothing was created")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.staff", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin account (password from stdin or asked)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    password = read_password()
    try:
        created = create_admin(CatalogSettings().database_url, args.email, args.name, password)
    except CatalogError as error:
        print(f"not created: {error}", file=sys.stderr)
        return 2
    if created is None:
        print("not created: an account with this email exists already", file=sys.stderr)
        return 1
    print(f"admin created: {created.email} (id {created.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
