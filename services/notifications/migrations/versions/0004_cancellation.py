"""cancellations remembered, for confirmations that arrive after them

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
    op.create_table(
        "cancellation",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_cancellation")),
    )


def downgrade() -> None:
    op.drop_table("cancellation")
