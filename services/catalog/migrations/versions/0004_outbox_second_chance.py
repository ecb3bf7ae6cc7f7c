"""outbox: when an event was published a second time

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from shared.migrations import add_outbox_second_chance, drop_outbox_second_chance

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_second_chance()


def downgrade() -> None:
    drop_outbox_second_chance()
