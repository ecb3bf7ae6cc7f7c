"""audit trail: an append-only record of staff actions on bookings and reads of health answers

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from shared.audit import create_audit_table, drop_audit_table

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
