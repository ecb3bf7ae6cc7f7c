"""Each service's tables (adapters/orm.py) and its migrations describe the same schema, so a migration
written with `python -m ops.migrate SERVICE --new "..."` holds exactly the change and nothing stale."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ops.migrate import SERVICES, migrate
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
