"""appointments and locations known to notifications; longer delivery keys for day schedules

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
    op.create_table(
        "appointment",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("treatment", sa.String(length=64), nullable=False),
        sa.Column("treatment_name", sa.String(length=200), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("resource_names", sa.JSON(), nullable=False),
        sa.Column("therapist_code", sa.String(length=64), nullable=False),
        sa.Column("therapist_name", sa.String(length=200), nullable=False),
        sa.Column("therapist_email", sa.String(length=320), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("client_email", sa.String(length=320), nullable=False),
        sa.Column("client_locale", sa.String(length=10), nullable=False),
        sa.Column("short_reminder", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_appointment")),
    )
    with op.batch_alter_table("appointment") as batch:
        batch.create_index(batch.f("ix_appointment_status"), ["status"], unique=False)
        batch.create_index(batch.f("ix_appointment_start_at"), ["start_at"], unique=False)
    op.create_table(
        "location_info",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_location_info")),
    )
    with op.batch_alter_table("delivery") as batch:
        batch.alter_column("booking_id", existing_type=sa.String(length=36), type_=sa.String(length=100))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.alter_column("booking_id", existing_type=sa.String(length=100), type_=sa.String(length=36))
    op.drop_table("location_info")
    op.drop_table("appointment")
