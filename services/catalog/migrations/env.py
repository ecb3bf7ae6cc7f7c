"""Alembic environment for the catalog database (run through `python -m ops.migrate catalog`)."""

from services.catalog.adapters.orm import metadata
from shared.migrations import run_migrations

run_migrations(metadata)
