"""What can be wrong with catalog data, in one module every domain module can import: plain Python."""

from __future__ import annotations


class CatalogError(ValueError):
    """Catalog data that the clinic could not run on; the message says what is wrong."""


class UnknownEntry(CatalogError):
    """Asked for an entry the catalog does not have."""
