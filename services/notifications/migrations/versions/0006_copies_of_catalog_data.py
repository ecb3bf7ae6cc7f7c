"""treatment_info -> treatment_copy, location_info -> location_copy: the booking service's names for its
copies of catalog data; primary keys renamed to match (pk_<table>)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.db import new_metadata

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RENAMES = (("treatment_info", "treatment_copy", "slug"), ("location_info", "location_copy", "code"))


def _rename(old: str, new: str, key: str) -> None:
    op.rename_table(old, new)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}")
        return
    # SQLite keeps a constraint's name inside the table's SQL: the table is rebuilt under the new name.
    reflected = sa.Table(new, sa.MetaData(), autoload_with=op.get_bind())
    renamed = sa.Table(new, new_metadata(), *(column._copy() for column in reflected.columns))
    renamed.append_constraint(sa.PrimaryKeyConstraint(key))
    with op.batch_alter_table(new, recreate="always", copy_from=renamed):
        pass


def upgrade() -> None:
    for old, new, key in RENAMES:
        _rename(old, new, key)


def downgrade() -> None:
    for old, new, key in RENAMES:
        _rename(new, old, key)
