"""Alembic environment for the notifications database (run through `python -m ops.migrate notifications`)."""

from services.notifications.adapters.orm import metadata
from shared.migrations import run_migrations

run_migrations(metadata)
