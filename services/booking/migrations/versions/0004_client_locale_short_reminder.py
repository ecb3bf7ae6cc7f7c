"""the client's email language and whether they want a short reminder

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("client_locale", sa.String(length=10), nullable=False, server_default="en"))
        batch.add_column(sa.Column("short_reminder", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("short_reminder")
        batch.drop_column("client_locale")
