"""audit trail: an append-only record of staff actions (resending a message)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from shared.audit import create_audit_table, drop_audit_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
