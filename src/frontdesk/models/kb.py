"""The knowledge base: categories hold sections, sections hold articles; an article has one
translation per language, each with its own title, body, slug, status and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontdesk.db.base import Base

VISIBILITIES = ("public", "internal")  # internal: agents only
TRANSLATION_STATUSES = ("draft", "published", "archived")


class KbCategory(Base):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {"en": "Orders", "el": "Παραγγελίες"}: a name per language, shown in that language.
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    descriptions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class KbSection(Base):
    __tablename__ = "kb_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="CASCADE"), index=True
    )
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class KbArticle(Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("kb_sections.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    position: Mapped[int] = mapped_column(default=0)
    author_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    translations: Mapped[list[KbTranslation]] = relationship(
        order_by="KbTranslation.language", lazy="selectin", back_populates="article"
    )


class KbTranslation(Base):
    """One language of an article. title/body are the working draft; what readers see is
    the published version, so editing never shows half-done text."""

    __tablename__ = "kb_translations"
    __table_args__ = (
        UniqueConstraint("article_id", "language"),
        Index("ix_kb_translations_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    slug: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Not a foreign key: versions point at their translation, and a cycle of keys would
    # make both tables awkward to create and delete.
    published_version_id: Mapped[int | None]
    views: Mapped[int] = mapped_column(default=0)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    article: Mapped[KbArticle] = relationship(back_populates="translations")


class KbVersion(Base):
    """A saved state of a translation: every publish, and every draft saved, in order."""

    __tablename__ = "kb_versions"
    __table_args__ = (UniqueConstraint("translation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("kb_translations.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    author_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class KbVote(Base):
    """One reader's "was this helpful?" on one translation; voting again changes it."""

    __tablename__ = "kb_votes"
    __table_args__ = (UniqueConstraint("translation_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("kb_translations.id", ondelete="CASCADE")
    )
    # "contact:12" for a signed-in customer, "anon:<random>" from the reader's session.
    voter: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool]
    created_at: Mapped[datetime]


class KbFile(Base):
    """An image or document attached to an article. The bytes live in the attachment
    store under their SHA-256, so the same picture in ten articles is stored once."""

    __tablename__ = "kb_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]


SUGGESTION_EVENTS = ("shown", "opened", "submitted")


class KbSuggestionEvent(Base):
    """What happened on one visit of the portal's request form: articles suggested
    ("shown"), a suggestion followed ("opened"), the request sent ("submitted").
    Deflection is counted from these (docs/search.md)."""

    __tablename__ = "kb_suggestion_events"
    __table_args__ = (
        Index("ix_kb_suggestion_events_visit", "visit", "kind"),
        Index("ix_kb_suggestion_events_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A random key per visit of the form, kept in the visitor's signed session.
    visit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
