"""staff accounts: when their credentials last changed

A password set, or an account disabled or given another role, locations or therapist code, stamps
`credentials_changed_at`; a session signed in before it gets no new token. Empty on existing rows:
nothing changed since.

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
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("credentials_changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("credentials_changed_at")
