"""locations with their own rules; therapists' breaks and time off; a booking's location

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "location_copy",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("slot_grid_minutes", sa.Integer(), nullable=False),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("max_advance_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_location_copy")),
    )
    with op.batch_alter_table("therapist_copy") as batch:
        batch.add_column(sa.Column("breaks", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("time_off", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("location", sa.String(length=64), nullable=False, server_default="main"))


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("location")
    with op.batch_alter_table("therapist_copy") as batch:
        batch.drop_column("time_off")
        batch.drop_column("breaks")
    op.drop_table("location_copy")
