"""booking tokens of idempotency replays: every token an Idempotency-Key replay hands out keeps working

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], name=op.f("fk_booking_token_booking_id_booking")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_booking_token")),
    )
    with op.batch_alter_table("booking_token") as batch:
        batch.create_index(batch.f("ix_booking_token_booking_id"), ["booking_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("booking_token") as batch:
        batch.drop_index(batch.f("ix_booking_token_booking_id"))
    op.drop_table("booking_token")
