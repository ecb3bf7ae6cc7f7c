"""Bring one service's database to the newest schema: `python -m ops.migrate booking [--seed]`."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

SERVICES = ("catalog", "booking", "notifications")
ROOT = Path(__file__).resolve().parent.parent


def alembic_config(service: str, database_url: str | None = None) -> Config:
    """Alembic settings for a service; its migrations live beside its code."""
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    if database_url is None:
        database_url = importlib.import_module(f"services.{service}.config").get_settings().database_url
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def migrate(service: str, database_url: str | None = None) -> None:
    command.upgrade(alembic_config(service, database_url), "head")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=(*SERVICES, "all"))
    parser.add_argument("--seed", action="store_true", help="load the starting catalog (catalog only)")
    args = parser.parse_args()
    for service in SERVICES if args.service == "all" else (args.service,):
        migrate(service)
        print(f"{service}: database at the newest schema")
    if args.seed:
        from services.catalog.bootstrap import bootstrap
        from services.catalog.service_layer.entries import load_seed

        print(f"catalog: {load_seed(bootstrap().unit_of_work)} seed entries added")


if __name__ == "__main__":
    main()
