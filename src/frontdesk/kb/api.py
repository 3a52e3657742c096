"""API routes: /api/v1/kb/... to manage the knowledge base, /api/v1/kb/suggestions for the
portal's request form, and /api/v1/search for everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile
from sqlalchemy import select

from frontdesk.api.deps import FD, Admin, AnyActor, AnyAgent, FullAgent, current_actor
from frontdesk.domain import tickets
from frontdesk.domain.actors import Actor
from frontdesk.kb import articles, deflection, files, reading
from frontdesk.kb.schemas import (
    ArticleIn,
    ArticleOut,
    ArticlePatch,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    DeflectionOut,
    FileOut,
    HitOut,
    SearchOut,
    SectionIn,
    SectionOut,
    SectionPatch,
    TranslationIn,
    TranslationOut,
    VersionOut,
)
from frontdesk.models import KbArticle, Message
from frontdesk.search.analysis import split_words
from frontdesk.search.service import TYPES, Hit, search

router = APIRouter(tags=["knowledge base"])
MAX_SUGGESTION_WORDS = 40
MaybeActor = Annotated[Actor | None, Depends(current_actor)]
QueryText = Annotated[str, Query(max_length=10_000, description='words, "phrases", -not, pre*')]
Language = Annotated[str | None, Query(max_length=16)]


@router.get("/kb/categories", response_model=list[CategoryOut])
def list_categories(actor: AnyAgent, fd: FD) -> list[CategoryOut]:
    with fd.read() as session:
        sections = reading.sections(session)
        return [
            CategoryOut.of(c, [s for s in sections if s.category_id == c.id])
            for c in reading.categories(session)
        ]


@router.post("/kb/categories", status_code=201, response_model=CategoryOut)
def create_category(body: CategoryIn, actor: FullAgent, fd: FD) -> CategoryOut:
    with fd.transaction() as tx:
        category = articles.create_category(tx, actor, body.names, body.descriptions, body.position)
        return CategoryOut.of(category)


@router.patch("/kb/categories/{category_id}", response_model=CategoryOut)
def update_category(category_id: int, body: CategoryPatch, actor: FullAgent, fd: FD) -> CategoryOut:
    with fd.transaction() as tx:
        changes = body.model_dump(exclude_unset=True)
        return CategoryOut.of(articles.update_category(tx, actor, category_id, changes))


@router.post("/kb/sections", status_code=201, response_model=SectionOut)
def create_section(body: SectionIn, actor: FullAgent, fd: FD) -> SectionOut:
    with fd.transaction() as tx:
        section = articles.create_section(tx, actor, body.category_id, body.names, body.position)
        return SectionOut.of(section)


@router.patch("/kb/sections/{section_id}", response_model=SectionOut)
def update_section(section_id: int, body: SectionPatch, actor: FullAgent, fd: FD) -> SectionOut:
    with fd.transaction() as tx:
        changes = body.model_dump(exclude_unset=True)
        return SectionOut.of(articles.update_section(tx, actor, section_id, changes))


@router.get("/kb/articles", response_model=list[ArticleOut])
def list_articles(
    actor: AnyAgent,
    fd: FD,
    section: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ArticleOut]:
    with fd.read() as session:
        statement = select(KbArticle).order_by(KbArticle.position, KbArticle.id).limit(limit)
        if section is not None:
            statement = statement.where(KbArticle.section_id == section)
        return [ArticleOut.of(a) for a in session.scalars(statement)]


@router.post("/kb/articles", status_code=201, response_model=ArticleOut)
def create_article(body: ArticleIn, actor: FullAgent, fd: FD) -> ArticleOut:
    draft = articles.Draft(body.title, body.body, body.slug)
    with fd.transaction() as tx:
        article = articles.create_article(
            tx,
            actor,
            body.section_id,
            body.language,
            draft,
            visibility=body.visibility,
            publish=body.publish,
        )
        tx.session.flush()
        tx.session.refresh(article)
        return ArticleOut.of(article)


@router.get("/kb/articles/{article_id}", response_model=ArticleOut)
def get_article(article_id: int, actor: AnyAgent, fd: FD) -> ArticleOut:
    with fd.reading() as tx:
        return ArticleOut.of(articles.get_article(tx, article_id))


@router.patch("/kb/articles/{article_id}", response_model=ArticleOut)
def update_article(article_id: int, body: ArticlePatch, actor: FullAgent, fd: FD) -> ArticleOut:
    with fd.transaction() as tx:
        changes = body.model_dump(exclude_unset=True)
        return ArticleOut.of(articles.update_article(tx, actor, article_id, changes))


@router.put("/kb/articles/{article_id}/translations/{language}", response_model=TranslationOut)
def save_translation(
    article_id: int, language: str, body: TranslationIn, actor: FullAgent, fd: FD
) -> TranslationOut:
    """Save the draft of one language, as a new version; `publish` also publishes it."""
    draft = articles.Draft(body.title, body.body, body.slug)
    with fd.transaction() as tx:
        translation = articles.save_translation(
            tx, actor, article_id, language, draft, publish=body.publish
        )
        return TranslationOut.of(translation)


@router.post(
    "/kb/articles/{article_id}/translations/{language}/publish", response_model=TranslationOut
)
def publish(article_id: int, language: str, actor: FullAgent, fd: FD) -> TranslationOut:
    with fd.transaction() as tx:
        return TranslationOut.of(articles.publish_translation(tx, actor, article_id, language))


@router.post(
    "/kb/articles/{article_id}/translations/{language}/unpublish", response_model=TranslationOut
)
def unpublish(article_id: int, language: str, actor: FullAgent, fd: FD) -> TranslationOut:
    with fd.transaction() as tx:
        return TranslationOut.of(articles.unpublish_translation(tx, actor, article_id, language))


@router.get(
    "/kb/articles/{article_id}/translations/{language}/versions", response_model=list[VersionOut]
)
def versions(article_id: int, language: str, actor: AnyAgent, fd: FD) -> list[VersionOut]:
    with fd.reading() as tx:
        articles.get_article(tx, article_id)
        return [VersionOut.of(v) for v in articles.versions(tx, article_id, language)]


@router.post(
    "/kb/articles/{article_id}/translations/{language}/versions/{number}/restore",
    response_model=TranslationOut,
)
def restore(
    article_id: int, language: str, number: int, actor: FullAgent, fd: FD
) -> TranslationOut:
    """Make version `number` the draft again (saved as a new version; publish to show it)."""
    with fd.transaction() as tx:
        translation = articles.restore_version(tx, actor, article_id, language, number)
        return TranslationOut.of(translation)


@router.get("/kb/articles/{article_id}/files", response_model=list[FileOut])
def list_files(article_id: int, actor: AnyAgent, fd: FD) -> list[FileOut]:
    with fd.reading() as tx:
        articles.get_article(tx, article_id)
        return [FileOut.of(f) for f in files.files_of(tx.session, article_id)]


@router.post("/kb/articles/{article_id}/files", status_code=201, response_model=FileOut)
async def upload_file(article_id: int, file: UploadFile, actor: FullAgent, fd: FD) -> FileOut:
    """An image or document for the article: PNG, JPEG, GIF, WebP, PDF or plain text, up
    to 5 MB. The answer carries the Markdown that shows it."""
    data = await file.read(files.MAX_FILE_BYTES + 1)
    with fd.transaction() as tx:
        return FileOut.of(files.upload(tx, actor, article_id, file.filename or "", data))


@router.get("/kb/deflection", response_model=DeflectionOut)
def deflection_counts(
    actor: Admin,
    fd: FD,
    since: datetime | None = None,
    until: datetime | None = None,
    lang: Language = None,
) -> DeflectionOut:
    """Visits of the portal's request form with suggestions, and how many were deflected
    (a suggested article opened, no request sent), in total and per article. The period
    defaults to the last 30 days."""
    end = _aware(until) or fd.clock.now()
    start = _aware(since) or end - timedelta(days=30)
    with fd.read() as session:
        found = deflection.report(session, actor, start, end, lang or "en")
    return DeflectionOut.of(found)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get("/kb/suggestions", response_model=SearchOut)
def suggestions(
    fd: FD,
    actor: MaybeActor,
    q: QueryText = "",
    lang: Language = None,
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
) -> SearchOut:
    """Articles that may answer what a customer is typing, in their language. Open to
    anonymous readers (public articles only): the portal's request form calls it."""
    reader = actor if actor is not None and actor.is_agent else None
    with fd.read() as session:
        hits = search(session, reader, q, types=("article",), language=lang, limit=limit)
        return SearchOut(query=q, items=[hit_out(h) for h in hits])


@router.get("/tickets/{ticket_id}/article-suggestions", response_model=SearchOut)
def ticket_suggestions(
    ticket_id: int,
    actor: AnyAgent,
    fd: FD,
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
) -> SearchOut:
    """Articles that may answer this ticket, in its language first: what agents see beside
    it, each with the link to paste into a reply."""
    with fd.reading() as tx:
        ticket = tickets.get_ticket(tx, actor, ticket_id)
        last = tx.session.scalar(
            select(Message.text)
            .where(Message.ticket_id == ticket.id, Message.direction == "in")
            .order_by(Message.id.desc())
            .limit(1)
        )
        # The subject and the customer's latest words, as a query of plain words.
        words = " ".join(f"{ticket.subject} {last or ''}".split()[:MAX_SUGGESTION_WORDS])
        hits = search(tx.session, actor, _plain(words), types=("article",), limit=limit * 2)
    hits.sort(key=lambda h: h.language != ticket.language)
    return SearchOut(query=words, items=[hit_out(h) for h in hits[:limit]])


def _plain(text: str) -> str:
    """Words only: what a customer wrote is not query syntax (a '-' or a quote in it)."""
    return " ".join(w for w, _, _ in split_words(text))


@router.get("/search", response_model=SearchOut)
def search_everything(
    actor: AnyActor,
    fd: FD,
    q: QueryText = "",
    type: Annotated[
        str | None, Query(description="ticket, contact or article; comma-separated")
    ] = None,
    lang: Language = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    """Tickets, contacts and articles matching `q` that the caller may see, best first."""
    types = tuple(t for t in (type or "").split(",") if t in TYPES) or TYPES
    if actor.type == "contact":
        types = tuple(t for t in types if t != "contact")
    with fd.read() as session:
        hits = search(session, actor, q, types=types, language=lang, limit=limit)
        return SearchOut(query=q, items=[hit_out(h) for h in hits])


def hit_out(hit: Hit) -> HitOut:
    url = None
    if hit.type == "article" and hit.language:
        url = f"/help/{hit.language}/articles/{hit.id}-{hit.slug}"
    elif hit.type == "ticket":
        url = f"/api/v1/tickets/{hit.id}"
    elif hit.type == "contact":
        url = f"/api/v1/contacts/{hit.id}"
    return HitOut(
        type=hit.type,
        id=hit.id,
        title=hit.title,
        snippet=hit.snippet,
        language=hit.language,
        score=round(hit.score, 6),
        message_id=hit.message_id,
        url=url,
        status=hit.status,
    )
