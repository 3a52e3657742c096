"""The knowledge base editor in the agent workspace: categories, sections, articles and
their translations, with a live preview, version history, files and deflection counts.

Reading is for every agent; writing for full agents and admins (the same rule as the
/api/v1/kb routes, enforced by the actions in frontdesk.kb.articles); the deflection
counts for admins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from frontdesk.domain.errors import DomainError, Invalid, PermissionDenied
from frontdesk.domain.tx import Tx
from frontdesk.kb import articles, deflection, files, reading
from frontdesk.kb.articles import check_language
from frontdesk.kb.reading import render_markdown
from frontdesk.kb.schemas import FileOut
from frontdesk.language import enabled_languages
from frontdesk.models import KbArticle
from frontdesk.web.i18n import LANGUAGES
from frontdesk.web.pages import fd_of, hx_redirect, language_of, redirect, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(prefix="/kb", include_in_schema=False)
NAME = Annotated[str, Form(max_length=200)]


def _languages() -> tuple[str, ...]:
    return enabled_languages()


async def _names(request: Request) -> dict[str, str]:
    """The name fields of a category or section form: name_en, name_el, ..."""
    form = await request.form()
    names = {}
    for code in _languages():
        value = form.get(f"name_{code}")
        if isinstance(value, str) and value.strip():
            names[code] = value.strip()
    if not names:
        raise Invalid("names", "give a name in at least one language")
    return names


@router.get("", response_model=None)
def overview(request: Request, who: AgentViewer) -> HTMLResponse:
    with fd_of(request).read() as session:
        categories = reading.categories(session)
        sections = reading.sections(session)
        article_rows = list(
            session.scalars(select(KbArticle).order_by(KbArticle.position, KbArticle.id))
        )
        lang = language_of(request)
        by_section: dict[int, list[dict[str, Any]]] = {}
        for article in article_rows:
            titles = {t.language: t.title for t in article.translations}
            by_section.setdefault(article.section_id, []).append(
                {
                    "id": article.id,
                    "title": reading.name_in(titles, lang) or f"#{article.id}",
                    "visibility": article.visibility,
                    "statuses": {t.language: t.status for t in article.translations},
                }
            )
        return render(
            request,
            "agent/kb/index.html",
            viewer=who,
            section="kb",
            categories=categories,
            sections=sections,
            by_section=by_section,
            kb_languages=_languages(),
            language_names=LANGUAGES,
            name_in=reading.name_in,
        )


async def _in_transaction(request: Request, action: Callable[[Tx], object]) -> None:
    """Run a write in a worker thread: these routes are async to read their form, and the
    event loop must not wait on the database."""
    fd = fd_of(request)

    def write() -> None:
        with fd.transaction() as tx:
            action(tx)

    await run_in_threadpool(write)


@router.post("/categories", response_model=None)
async def add_category(request: Request, who: AgentViewer) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    names = await _names(request)
    actor = who.actor
    await _in_transaction(request, lambda tx: articles.create_category(tx, actor, names))
    return hx_redirect(request, "/kb")


@router.post("/categories/{category_id}", response_model=None)
async def edit_category(
    request: Request, category_id: int, who: AgentViewer
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    names = await _names(request)
    actor = who.actor
    await _in_transaction(
        request, lambda tx: articles.update_category(tx, actor, category_id, {"names": names})
    )
    return hx_redirect(request, "/kb")


@router.post("/sections", response_model=None)
async def add_section(
    request: Request, who: AgentViewer, category_id: Annotated[int, Form()]
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    names = await _names(request)
    actor = who.actor
    await _in_transaction(
        request, lambda tx: articles.create_section(tx, actor, category_id, names)
    )
    return hx_redirect(request, "/kb")


@router.post("/sections/{section_id}", response_model=None)
async def edit_section(
    request: Request, section_id: int, who: AgentViewer
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    names = await _names(request)
    actor = who.actor
    await _in_transaction(
        request, lambda tx: articles.update_section(tx, actor, section_id, {"names": names})
    )
    return hx_redirect(request, "/kb")


@router.post("/articles", response_model=None)
def add_article(
    request: Request,
    who: AgentViewer,
    section_id: Annotated[int, Form()],
    language: Annotated[str, Form(max_length=16)],
    title: Annotated[str, Form(max_length=articles.TITLE_MAX)],
    visibility: Annotated[str, Form(max_length=16)] = "public",
) -> HTMLResponse | RedirectResponse:
    """A new article starts as a draft in one language; the editor opens on it."""
    assert who.actor is not None
    code = check_language(language)
    with fd_of(request).transaction() as tx:
        draft = articles.Draft(title, "")
        article = articles.create_article(
            tx, who.actor, section_id, code, draft, visibility=visibility
        )
        article_id = article.id
    return hx_redirect(request, f"/kb/articles/{article_id}/translations/{code}")


def _editor_context(request: Request, article_id: int, language: str) -> dict[str, Any]:
    with fd_of(request).reading() as tx:
        article = articles.get_article(tx, article_id)
        translation = next((t for t in article.translations if t.language == language), None)
        history = articles.versions(tx, article_id, language) if translation else []
        published = next(
            (v for v in history if translation and v.id == translation.published_version_id),
            None,
        )
        return {
            "article": article,
            "translation": translation,
            "statuses": {t.language: t.status for t in article.translations},
            "history": list(reversed(history)),
            "published_number": published.number if published else None,
            "files": [FileOut.of(f) for f in files.files_of(tx.session, article_id)],
            "sections": reading.sections(tx.session),
            "categories": {c.id: c for c in reading.categories(tx.session)},
            "preview_html": render_markdown(translation.body) if translation else "",
        }


@router.get("/articles/{article_id}/translations/{language}", response_model=None)
def editor(
    request: Request,
    article_id: int,
    language: str,
    who: AgentViewer,
    saved: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    code = check_language(language)
    context = _editor_context(request, article_id, code)
    return render(
        request,
        "agent/kb/editor.html",
        viewer=who,
        section="kb",
        language=code,
        kb_languages=_languages(),
        language_names=LANGUAGES,
        name_in=reading.name_in,
        saved=saved,
        max_file_mb=files.MAX_FILE_BYTES // (1024 * 1024),
        **context,
    )


@router.post("/articles/{article_id}/translations/{language}", response_model=None)
def save(
    request: Request,
    article_id: int,
    language: str,
    who: AgentViewer,
    title: Annotated[str, Form(max_length=articles.TITLE_MAX)],
    body: Annotated[str, Form(max_length=articles.BODY_MAX)] = "",
    slug: Annotated[str, Form(max_length=200)] = "",
    action: Annotated[str, Form(pattern="^(save|publish)$")] = "save",
) -> HTMLResponse | RedirectResponse:
    """Save the draft as a new version; "publish" also shows it to readers."""
    assert who.actor is not None
    code = check_language(language)
    draft = articles.Draft(title, body, slug.strip() or None)
    with fd_of(request).transaction() as tx:
        articles.save_translation(
            tx, who.actor, article_id, code, draft, publish=action == "publish"
        )
    done = "published" if action == "publish" else "saved"
    return hx_redirect(request, f"/kb/articles/{article_id}/translations/{code}?saved={done}")


@router.post("/articles/{article_id}/translations/{language}/unpublish", response_model=None)
def unpublish(
    request: Request, article_id: int, language: str, who: AgentViewer
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    code = check_language(language)
    with fd_of(request).transaction() as tx:
        articles.unpublish_translation(tx, who.actor, article_id, code)
    return hx_redirect(request, f"/kb/articles/{article_id}/translations/{code}?saved=unpublished")


@router.post(
    "/articles/{article_id}/translations/{language}/versions/{number}/restore",
    response_model=None,
)
def restore(
    request: Request, article_id: int, language: str, number: int, who: AgentViewer
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    code = check_language(language)
    with fd_of(request).transaction() as tx:
        articles.restore_version(tx, who.actor, article_id, code, number)
    return hx_redirect(request, f"/kb/articles/{article_id}/translations/{code}?saved=restored")


@router.post("/articles/{article_id}/settings", response_model=None)
def settings(
    request: Request,
    article_id: int,
    who: AgentViewer,
    visibility: Annotated[str, Form(max_length=16)],
    section_id: Annotated[int, Form()],
    back: Annotated[str, Form(max_length=16)] = "en",
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    changes = {"visibility": visibility, "section_id": section_id}
    with fd_of(request).transaction() as tx:
        articles.update_article(tx, who.actor, article_id, changes)
    code = check_language(back)
    return hx_redirect(request, f"/kb/articles/{article_id}/translations/{code}?saved=settings")


@router.post("/preview", response_model=None)
def preview(
    request: Request,
    who: AgentViewer,
    body: Annotated[str, Form(max_length=articles.BODY_MAX)] = "",
) -> HTMLResponse:
    """The body as readers will see it, rendered and sanitised like the help center."""
    return render(request, "agent/kb/preview.html", viewer=who, html=render_markdown(body))


@router.post("/articles/{article_id}/files", response_model=None)
async def upload(
    request: Request,
    article_id: int,
    who: AgentViewer,
    file: UploadFile,
    back: Annotated[str, Form(max_length=16)] = "en",
) -> JSONResponse | HTMLResponse | RedirectResponse:
    """The editor's script asks for JSON (the Markdown to insert at the cursor); a plain
    form goes back to the editor, where the file is listed with its Markdown."""
    assert who.actor is not None
    data = await file.read(files.MAX_FILE_BYTES + 1)
    fd = fd_of(request)

    def store() -> FileOut:
        with fd.transaction() as tx:
            assert who.actor is not None
            return FileOut.of(files.upload(tx, who.actor, article_id, file.filename or "", data))

    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        stored = await run_in_threadpool(store)
    except DomainError as error:
        if not wants_json:
            raise
        problem = {"title": error.title, "detail": error.detail, "status": error.status}
        return JSONResponse(problem, status_code=error.status)
    if wants_json:
        return JSONResponse(stored.model_dump(), status_code=201)
    return redirect(f"/kb/articles/{article_id}/translations/{check_language(back)}?saved=file")


@router.get("/deflection", response_model=None)
def deflection_page(
    request: Request,
    who: AgentViewer,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
) -> HTMLResponse:
    if not who.is_admin:
        raise PermissionDenied("deflection counts are for admins")
    assert who.actor is not None
    fd = fd_of(request)
    until = fd.clock.now()
    since = until - timedelta(days=days)
    with fd.read() as session:
        found = deflection.report(session, who.actor, since, until, language_of(request))
    return render(
        request,
        "agent/kb/deflection.html",
        viewer=who,
        section="kb",
        report=found,
        days=days,
    )
