"""Keeping a service's local copy of another service's data, fed by `*_published` events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session


def upsert_by_revision(session: Session, table: Table, key: str, values: dict[str, Any]) -> bool:
    """Store an entry unless this or a newer revision is already held (events may arrive out of order)."""
    current = session.execute(select(table.c.revision).where(table.c[key] == values[key])).scalar()
    if current is not None and current >= values["revision"]:
        return False
    columns = {name: values[name] for name in (column.name for column in table.columns) if name in values}
    if current is None:
        session.execute(insert(table).values(**columns))
    else:
        session.execute(update(table).where(table.c[key] == values[key]).values(**columns))
    return True
