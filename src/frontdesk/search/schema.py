"""Database objects of the search index that the SQLAlchemy models do not describe.

They differ per database (an FTS5 virtual table with its shadow tables on SQLite; a
tsvector column, GIN and BRIN indexes on PostgreSQL), are made by migrations 0004 and
0010, and are left out of the model/migration comparison of `alembic check`.
"""

from __future__ import annotations

UNMANAGED_TABLE_PREFIX = "search_fts"
UNMANAGED_COLUMNS = {("search_documents", "terms")}
UNMANAGED_INDEXES = {
    "ix_search_documents_terms",
    "ix_search_documents_id_brin",
    "ix_contact_identities_address_trgm",
}


def is_unmanaged(name: str | None, type_: str, parent_table: str | None) -> bool:
    if name is None:
        return False
    if type_ == "table":
        return name.startswith(UNMANAGED_TABLE_PREFIX)
    if type_ == "column":
        return (parent_table or "", name) in UNMANAGED_COLUMNS
    if type_ == "index":
        return name in UNMANAGED_INDEXES
    return False
