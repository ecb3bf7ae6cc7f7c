"""Bring a service's database to the newest schema, or write its next migration.

python -m ops.migrate booking [--seed]           upgrade (all: every service)
python -m ops.migrate booking --new "add x"      write services/booking/migrations/versions/NNNN_add_x.py
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

SERVICES = ("catalog", "booking", "notifications")
SETTINGS = {"catalog": "CatalogSettings", "booking": "BookingSettings", "notifications": "NotificationSettings"}
ROOT = Path(__file__).resolve().parent.parent


def alembic_config(service: str, database_url: str | None = None) -> Config:
    """Alembic settings for a service; its migrations live beside its code."""
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    if database_url is None:
        config_module = importlib.import_module(f"services.{service}.config")
        database_url = getattr(config_module, SETTINGS[service])().database_url
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def migrate(service: str, database_url: str | None = None) -> None:
    command.upgrade(alembic_config(service, database_url), "head")


def new_revision(service: str, message: str) -> list[Path]:
    """Write the service's next migration: what its tables (adapters/orm.py) have that a database at
    the newest migration lacks, found by Alembic's autogenerate against a scratch SQLite file.
    Read it before you commit it: autogenerate sees columns and tables, not renames or data moves."""
    versions = ROOT / "services" / service / "migrations" / "versions"
    number = max((int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")), default=0) + 1
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/{service}.db"
        migrate(service, url)
        scripts = command.revision(
            alembic_config(service, url), message=message, autogenerate=True, rev_id=f"{number:04d}"
        )
    written = scripts if isinstance(scripts, list) else [scripts]
    return [Path(script.path) for script in written if script is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=(*SERVICES, "all"))
    parser.add_argument("--seed", action="store_true", help="load the starting catalog (catalog only)")
    parser.add_argument("--new", metavar="MESSAGE", help="write the service's next migration instead of upgrading")
    args = parser.parse_args()
    if args.new:
        if args.service == "all":
            raise SystemExit("--new writes one service's migration: name the service")
        for path in new_revision(args.service, args.new):
            print(f"{args.service}: wrote {path.relative_to(ROOT)}; read it, then `make migrate`")
        return
    for service in SERVICES if args.service == "all" else (args.service,):
        migrate(service)
        print(f"{service}: database at the newest schema")
    if args.seed:
        from services.catalog.bootstrap import bootstrap
        from services.catalog.service_layer.entries import load_seed

        print(f"catalog: {load_seed(bootstrap().unit_of_work)} seed entries added")


if __name__ == "__main__":
    main()
