"""Knowledge base actions. Each takes a Tx, validates, writes, records an audit row.

An article translation has a working draft (title, body) and, once published, a published
version that readers see; every save and every publish adds a version, so the history of
a translation is its list of versions. Search picks changes up through updated_at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import (
    KbArticle,
    KbCategory,
    KbSection,
    KbTranslation,
    KbVersion,
    KbVote,
)
from frontdesk.models.kb import VISIBILITIES

TITLE_MAX = 300
BODY_MAX = 200_000
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def check_language(code: str) -> str:
    code = code.strip().lower()
    if not LANGUAGE.match(code):
        raise Invalid("language", "must be a language code such as en, el or pt-br")
    return code


def slugify(title: str) -> str:
    """A URL slug that keeps the letters of any script: "Πώς αλλάζω;" → "πώς-αλλάζω"."""
    normal = unicodedata.normalize("NFKC", title).casefold()
    kept = [c if unicodedata.category(c)[0] in "LNM" else " " for c in normal]
    return "-".join("".join(kept).split())[:120] or "article"


def _names(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise Invalid(field, 'must map language codes to names, e.g. {"en": "Orders"}')
    out = {}
    for code, name in value.items():
        if not isinstance(name, str) or not name.strip():
            raise Invalid(field, f"the name for {code!r} must not be empty")
        out[check_language(str(code))] = check_text(name.strip(), field, max_length=200)
    return out


def create_category(
    tx: Tx,
    actor: Actor,
    names: dict[str, str],
    descriptions: dict[str, str] | None = None,
    position: int = 0,
) -> KbCategory:
    actor.require_agent("admin", "agent")
    category = KbCategory(
        names=_names(names, "names"),
        descriptions=_names(descriptions, "descriptions") if descriptions else {},
        position=position,
        created_at=tx.now(),
    )
    tx.session.add(category)
    tx.session.flush()
    tx.audit(actor, "kb.category.created", "kb_category", category, {"names": [None, names]})
    return category


def update_category(tx: Tx, actor: Actor, category_id: int, changes: dict[str, Any]) -> KbCategory:
    actor.require_agent("admin", "agent")
    category = tx.session.get(KbCategory, category_id)
    if category is None:
        raise NotFound(f"category {category_id} not found")
    if "names" in changes:
        category.names = _names(changes["names"], "names")
    if "descriptions" in changes:
        category.descriptions = _names(changes["descriptions"], "descriptions")
    if "position" in changes:
        category.position = int(changes["position"])
    tx.audit(actor, "kb.category.updated", "kb_category", category, {"changed": list(changes)})
    return category


def create_section(
    tx: Tx, actor: Actor, category_id: int, names: dict[str, str], position: int = 0
) -> KbSection:
    actor.require_agent("admin", "agent")
    if tx.session.get(KbCategory, category_id) is None:
        raise Invalid("category_id", "no such category")
    section = KbSection(
        category_id=category_id,
        names=_names(names, "names"),
        position=position,
        created_at=tx.now(),
    )
    tx.session.add(section)
    tx.session.flush()
    tx.audit(actor, "kb.section.created", "kb_section", section, {"names": [None, names]})
    return section


def update_section(tx: Tx, actor: Actor, section_id: int, changes: dict[str, Any]) -> KbSection:
    actor.require_agent("admin", "agent")
    section = tx.session.get(KbSection, section_id)
    if section is None:
        raise NotFound(f"section {section_id} not found")
    if "names" in changes:
        section.names = _names(changes["names"], "names")
    if "category_id" in changes:
        if tx.session.get(KbCategory, changes["category_id"]) is None:
            raise Invalid("category_id", "no such category")
        section.category_id = changes["category_id"]
    if "position" in changes:
        section.position = int(changes["position"])
    tx.audit(actor, "kb.section.updated", "kb_section", section, {"changed": list(changes)})
    return section


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    slug: str | None = None


def create_article(
    tx: Tx,
    actor: Actor,
    section_id: int,
    language: str,
    draft: Draft,
    *,
    visibility: str = "public",
    publish: bool = False,
) -> KbArticle:
    actor.require_agent("admin", "agent")
    if tx.session.get(KbSection, section_id) is None:
        raise Invalid("section_id", "no such section")
    if visibility not in VISIBILITIES:
        raise Invalid("visibility", f"must be one of {', '.join(VISIBILITIES)}")
    now = tx.now()
    article = KbArticle(
        section_id=section_id,
        visibility=visibility,
        author_agent_id=actor.id if actor.is_agent else None,
        created_at=now,
        updated_at=now,
        translations=[],
    )
    tx.session.add(article)
    tx.session.flush()
    tx.audit(actor, "kb.article.created", "kb_article", article, {"visibility": [None, visibility]})
    save_translation(tx, actor, article.id, language, draft, publish=publish)
    return article


def get_article(tx: Tx, article_id: int) -> KbArticle:
    article = tx.session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(f"article {article_id} not found")
    return article


def update_article(tx: Tx, actor: Actor, article_id: int, changes: dict[str, Any]) -> KbArticle:
    actor.require_agent("admin", "agent")
    article = get_article(tx, article_id)
    now = tx.now()
    if "visibility" in changes:
        if changes["visibility"] not in VISIBILITIES:
            raise Invalid("visibility", f"must be one of {', '.join(VISIBILITIES)}")
        article.visibility = changes["visibility"]
        for translation in article.translations:
            translation.updated_at = now  # who may find it changed: index it again
    if "section_id" in changes:
        if tx.session.get(KbSection, changes["section_id"]) is None:
            raise Invalid("section_id", "no such section")
        article.section_id = changes["section_id"]
    if "position" in changes:
        article.position = int(changes["position"])
    article.updated_at = now
    tx.audit(actor, "kb.article.updated", "kb_article", article, {"changed": list(changes)})
    return article


def save_translation(
    tx: Tx, actor: Actor, article_id: int, language: str, draft: Draft, *, publish: bool = False
) -> KbTranslation:
    """Save the draft of one language (creating it), as a new version; publish it if asked."""
    actor.require_agent("admin", "agent")
    article = get_article(tx, article_id)
    language = check_language(language)
    title = check_text(draft.title.strip(), "title", max_length=TITLE_MAX)
    if not title:
        raise Invalid("title", "must not be empty")
    body = check_text(draft.body, "body", max_length=BODY_MAX)
    slug = slugify(draft.slug or title)
    now = tx.now()
    translation = _translation(tx, article.id, language)
    if translation is None:
        translation = KbTranslation(
            article_id=article.id,
            language=language,
            title=title,
            body=body,
            slug=slug,
            status="draft",
            created_at=now,
            updated_at=now,
        )
        tx.session.add(translation)
        tx.session.flush()
    else:
        translation.title, translation.body, translation.updated_at = title, body, now
        if draft.slug or translation.status == "draft":
            translation.slug = slug
    version = _new_version(tx, actor, translation)
    tx.audit(
        actor,
        "kb.translation.saved",
        "kb_translation",
        translation,
        {"language": [None, language], "version": [None, version.number]},
    )
    if publish:
        publish_translation(tx, actor, article.id, language)
    return translation


def publish_translation(tx: Tx, actor: Actor, article_id: int, language: str) -> KbTranslation:
    actor.require_agent("admin", "agent")
    translation = _translation(tx, article_id, check_language(language))
    if translation is None:
        raise NotFound(f"article {article_id} has no {language} translation")
    latest = tx.session.scalars(
        select(KbVersion)
        .where(KbVersion.translation_id == translation.id)
        .order_by(KbVersion.number.desc())
        .limit(1)
    ).one()
    now = tx.now()
    latest.published_at = latest.published_at or now
    translation.published_version_id = latest.id
    translation.status = "published"
    translation.updated_at = now
    tx.audit(
        actor,
        "kb.translation.published",
        "kb_translation",
        translation,
        {"version": [None, latest.number]},
    )
    return translation


def unpublish_translation(tx: Tx, actor: Actor, article_id: int, language: str) -> KbTranslation:
    actor.require_agent("admin", "agent")
    translation = _translation(tx, article_id, check_language(language))
    if translation is None:
        raise NotFound(f"article {article_id} has no {language} translation")
    translation.status = "archived"
    translation.updated_at = tx.now()
    tx.audit(actor, "kb.translation.unpublished", "kb_translation", translation, {})
    return translation


def versions(tx: Tx, article_id: int, language: str) -> list[KbVersion]:
    translation = _translation(tx, article_id, check_language(language))
    if translation is None:
        raise NotFound(f"article {article_id} has no {language} translation")
    return list(
        tx.session.scalars(
            select(KbVersion)
            .where(KbVersion.translation_id == translation.id)
            .order_by(KbVersion.number)
        )
    )


def restore_version(
    tx: Tx, actor: Actor, article_id: int, language: str, number: int
) -> KbTranslation:
    """Make an earlier version the working draft again, as a new version: the history
    keeps every state, and readers see nothing until it is published."""
    old = next((v for v in versions(tx, article_id, language) if v.number == number), None)
    if old is None:
        raise NotFound(f"version {number} not found")
    translation = save_translation(tx, actor, article_id, language, Draft(old.title, old.body))
    tx.audit(
        actor,
        "kb.translation.restored",
        "kb_translation",
        translation,
        {"restored_version": [None, number]},
    )
    return translation


def _translation(tx: Tx, article_id: int, language: str) -> KbTranslation | None:
    return tx.session.scalar(
        select(KbTranslation).where(
            KbTranslation.article_id == article_id, KbTranslation.language == language
        )
    )


def _new_version(tx: Tx, actor: Actor, translation: KbTranslation) -> KbVersion:
    number = (
        tx.session.scalar(
            select(func.coalesce(func.max(KbVersion.number), 0)).where(
                KbVersion.translation_id == translation.id
            )
        )
        or 0
    )
    version = KbVersion(
        translation_id=translation.id,
        number=number + 1,
        title=translation.title,
        body=translation.body,
        author_agent_id=actor.id if actor.is_agent else None,
        created_at=tx.now(),
    )
    tx.session.add(version)
    tx.session.flush()
    return version


def record_view(tx: Tx, translation_id: int) -> None:
    # One UPDATE adding one: readers opening the page at once are all counted.
    tx.session.execute(
        update(KbTranslation)
        .where(KbTranslation.id == translation_id)
        .values(views=KbTranslation.views + 1)
    )


def vote(tx: Tx, translation_id: int, voter: str, helpful: bool) -> KbTranslation:
    """Count a reader's "was this helpful?"; voting again replaces their earlier answer."""
    translation = tx.session.get(KbTranslation, translation_id)
    if translation is None or translation.status != "published":
        raise NotFound(f"article translation {translation_id} not found")
    earlier = tx.session.scalar(
        select(KbVote).where(KbVote.translation_id == translation_id, KbVote.voter == voter)
    )
    if earlier is not None:
        if earlier.helpful == helpful:
            return translation
        _count(translation, earlier.helpful, -1)
        earlier.helpful = helpful
    else:
        tx.session.add(
            KbVote(
                translation_id=translation_id,
                voter=voter[:64],
                helpful=helpful,
                created_at=tx.now(),
            )
        )
    _count(translation, helpful, +1)
    return translation


def _count(translation: KbTranslation, helpful: bool, delta: int) -> None:
    if helpful:
        translation.helpful_yes = max(0, translation.helpful_yes + delta)
    else:
        translation.helpful_no = max(0, translation.helpful_no + delta)
