"""Each service's tables (adapters/orm.py) and its migrations describe the same schema, so a migration
written with `python -m ops.migrate SERVICE --new "..."` holds exactly the change and nothing stale."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from ops.migrate import SERVICES, alembic_config, migrate
from shared.db import make_engine


@pytest.mark.parametrize("service", SERVICES)
def test_a_database_at_the_newest_migration_has_exactly_the_services_tables(service: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / service}.db"
    migrate(service, url)
    metadata = importlib.import_module(f"services.{service}.adapters.orm").metadata
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_notifications_keeps_its_catalog_copies_when_their_tables_are_renamed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notifications.db'}"
    command.upgrade(alembic_config("notifications", url), "0005")  # still treatment_info / location_info
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO treatment_info (slug, revision, name, duration_minutes, summary, what_to_expect,"
                    " preparation, aftercare, translations, active)"
                    " VALUES ('back-leg-cupping', 3, 'Back & Leg', 45, 's', '[]', '[]', '[]', '{}', 1)"
                )
            )
            connection.execute(text("INSERT INTO location_info VALUES ('main', 2, 'Main', 'Street 1')"))
        migrate("notifications", url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug, revision FROM treatment_copy")).all() == [
                ("back-leg-cupping", 3)
            ]
            assert connection.execute(text("SELECT code, address FROM location_copy")).all() == [("main", "Street 1")]
    finally:
        engine.dispose()
