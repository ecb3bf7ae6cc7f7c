"""idempotency keys: a retried POST /bookings finds its booking

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("request_fingerprint", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f("uq_booking_idempotency_key"), ["idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_constraint(batch.f("uq_booking_idempotency_key"), type_="unique")
        batch.drop_column("request_fingerprint")
        batch.drop_column("idempotency_key")
