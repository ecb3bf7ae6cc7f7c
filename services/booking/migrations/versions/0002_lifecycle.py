"""booking lifecycle: requested therapist, late cancellation

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("requested_therapist", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("late_cancellation", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("late_cancellation")
        batch.drop_column("requested_therapist")
