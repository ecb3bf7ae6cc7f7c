"""visit screened, in review

A visit records whether its client answered an intake questionnaire (reminders then ask whether anything
changed); `status` may now also be `in_review`, which needs no schema change.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        # sa.false(): a boolean literal on PostgreSQL, 0 on SQLite (a bare 0 is an integer to PostgreSQL).
        batch.add_column(sa.Column("screened", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("screened")
