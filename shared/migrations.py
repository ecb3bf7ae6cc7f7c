"""The body of every service's Alembic env.py: one way to run migrations, online or offline."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData

from shared.db import make_engine


def run_migrations(metadata: MetaData) -> None:
    """Upgrade the database named by `sqlalchemy.url` (set by `python -m ops.migrate`)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set: run migrations through `python -m ops.migrate SERVICE`")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
