"""What readers of the knowledge base see: published translations only, public ones for
customers and anonymous readers, internal ones too for agents."""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.kb.files import URL_PREFIX
from frontdesk.models import KbArticle, KbCategory, KbSection, KbTranslation, KbVersion

# Raw HTML in Markdown is not rendered: an article's body cannot carry a script.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


_LINK_SCHEMES = {"http", "https", "mailto", "tel"}


def _only_own_images(tag: str, attribute: str, value: str) -> str | None:
    """An image shows only a file of the knowledge base: nothing from another site (no
    tracking pixel, no mixed content) and no data: URL."""
    if tag == "img" and attribute == "src" and not value.startswith(URL_PREFIX):
        return None
    return value


def render_markdown(body: str) -> str:
    """Markdown to HTML that is safe to show anywhere: the help center, the editor's
    preview. Raw HTML is escaped by the parser, then nh3 keeps only harmless tags."""
    return str(_CLEANER.clean(_markdown.render(body)))


_CLEANER = nh3.Cleaner(
    url_schemes=_LINK_SCHEMES,
    attribute_filter=_only_own_images,
    link_rel="noopener noreferrer nofollow",
)


@dataclass(frozen=True)
class ArticleView:
    article_id: int
    translation_id: int
    language: str
    title: str
    body_html: str
    body_text: str
    slug: str
    section_id: int
    category_id: int
    updated_at: str
    views: int
    helpful_yes: int
    helpful_no: int
    languages: tuple[str, ...]  # the languages this article is published in


def name_in(names: dict[str, str], language: str) -> str:
    """The name in the reader's language, else English, else any."""
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


def published(
    session: Session, *, include_internal: bool = False, article_id: int | None = None
) -> list[tuple[KbTranslation, KbArticle, KbVersion]]:
    statement = (
        select(KbTranslation, KbArticle, KbVersion)
        .join(KbArticle, KbArticle.id == KbTranslation.article_id)
        .join(KbVersion, KbVersion.id == KbTranslation.published_version_id)
        .where(KbTranslation.status == "published")
        .order_by(KbArticle.position, KbArticle.id)
    )
    if not include_internal:
        statement = statement.where(KbArticle.visibility == "public")
    if article_id is not None:
        statement = statement.where(KbArticle.id == article_id)
    return [(t, a, v) for t, a, v in session.execute(statement)]


def categories(session: Session) -> list[KbCategory]:
    return list(session.scalars(select(KbCategory).order_by(KbCategory.position, KbCategory.id)))


def sections(session: Session, category_id: int | None = None) -> list[KbSection]:
    statement = select(KbSection).order_by(KbSection.position, KbSection.id)
    if category_id is not None:
        statement = statement.where(KbSection.category_id == category_id)
    return list(session.scalars(statement))


def article_view(
    session: Session, article_id: int, language: str, *, include_internal: bool = False
) -> ArticleView | None:
    rows = published(session, include_internal=include_internal, article_id=article_id)
    chosen = next(((t, a, v) for t, a, v in rows if t.language == language), None)
    if chosen is None:
        return None
    translation, article, version = chosen
    section = session.get_one(KbSection, article.section_id)
    return ArticleView(
        article_id=article.id,
        translation_id=translation.id,
        language=translation.language,
        title=version.title,
        body_html=render_markdown(version.body),
        body_text=version.body,
        slug=translation.slug,
        section_id=section.id,
        category_id=section.category_id,
        updated_at=(version.published_at or version.created_at).date().isoformat(),
        views=translation.views,
        helpful_yes=translation.helpful_yes,
        helpful_no=translation.helpful_no,
        languages=tuple(sorted(t.language for t, _, _ in rows)),
    )
