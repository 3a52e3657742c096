"""What search has indexed: one row per searchable thing, and the indexer's positions.

The analysed terms live beside these rows in a form each database searches well: an FTS5
table `search_fts` on SQLite (rowid = search_documents.id), a `terms` tsvector column with
a GIN index on PostgreSQL. Both are made by the migration and are not part of this model
(see frontdesk.search.schema.UNMANAGED).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base

DOCUMENT_KINDS = ("message", "ticket", "contact", "article")


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_documents_ticket", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The message, ticket, contact or article translation this row stands for.
    ref_id: Mapped[int]
    ticket_id: Mapped[int | None]
    article_id: Mapped[int | None]
    contact_id: Mapped[int | None]
    language: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(32))
    # Internal notes and internal articles: agents only.
    is_internal: Mapped[bool] = mapped_column(default=False)
    # The source's updated_at when it was indexed: a newer one means look at it again.
    source_version: Mapped[datetime | None]
    # Hash of the indexed text: an unchanged text is not analysed and written again.
    digest: Mapped[str] = mapped_column(String(32), default="")
    indexed_at: Mapped[datetime]


class SearchState(Base):
    """How far the indexer got through one source (messages by id, others by time)."""

    __tablename__ = "search_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    since: Mapped[datetime | None]
    updated_at: Mapped[datetime]
