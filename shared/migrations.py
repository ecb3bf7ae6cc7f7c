"""The body of every service's Alembic env.py: one way to run migrations, online or offline."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy import MetaData, TypeDecorator

from shared.db import make_engine


def _render_item(kind: str, item: object, _context: object) -> str | bool:
    # A column type of ours (UtcDateTime) is written as the type it stores, so migrations import nothing of ours.
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl!r}"
    return False


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
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=True, render_item=_render_item
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


# The outbox and inbox tables of `shared.outbox`, written once for every service's migrations. Published
# revisions call these: never change what one does; a new schema change is a new helper and a new revision.


def create_outbox_tables() -> None:
    """The outbox and inbox as first created (revision 0001 of every service)."""
    op.create_table(
        "inbox_message",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox_message")),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_message_event_id")),
    )
    with op.batch_alter_table("outbox_message") as batch:
        batch.create_index(batch.f("ix_outbox_message_published_at"), ["published_at"], unique=False)


def drop_outbox_tables() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index(batch.f("ix_outbox_message_published_at"))
    op.drop_table("outbox_message")
    op.drop_table("inbox_message")


def add_outbox_second_chance() -> None:
    """When an event was published a second time (`Outbox.resend_recent`)."""
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("resent_at", sa.DateTime(), nullable=True))


def drop_outbox_second_chance() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("resent_at")
