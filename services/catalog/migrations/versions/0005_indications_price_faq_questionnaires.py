"""indications, price, faq, questionnaires

Treatments get the body areas and complaints they are for, a price and an FAQ; a treatment's intake
questionnaire gets a table of its own. Existing treatments keep their rows: the new columns start empty
(no price), and what the seed used to keep in `details` stays there until staff set the new fields.

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
    op.create_table(
        "questionnaire",
        sa.Column("treatment", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("alternative", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("treatment", name=op.f("pk_questionnaire")),
    )
    with op.batch_alter_table("treatment") as batch:
        batch.add_column(sa.Column("areas", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("complaints", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("price", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("faq", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("treatment") as batch:
        batch.drop_column("faq")
        batch.drop_column("price")
        batch.drop_column("complaints")
        batch.drop_column("areas")
    op.drop_table("questionnaire")
