"""What customers meet of the knowledge base outside the help center's own pages: files
shown in articles, and the suggestions beside the portal's request form (with the events
that deflection is counted from)."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from frontdesk.domain.tx import Tx
from frontdesk.kb import deflection, files, reading
from frontdesk.kb.api import _plain
from frontdesk.search.service import search
from frontdesk.web.pages import Viewer, fd_of, language_of, redirect, render, viewer

router = APIRouter(include_in_schema=False)
VISIT_KEY = "suggest_visit"
SUGGESTIONS = 5
QUERY_WORDS = 40
Who = Annotated[Viewer, Depends(viewer)]


@router.get("/help/files/{file_id}/{name}", response_model=None)
def serve_file(request: Request, file_id: int, name: str, who: Who) -> Response:
    """Anyone may fetch a file of a public, published article; agents any file."""
    fd = fd_of(request)
    with fd.read() as session:
        served = files.find_servable(session, file_id, who.is_agent)
        row = served.file
    data = fd.storage.get(row.sha256)
    inline = row.content_type in files.IMAGE_TYPES or row.content_type == "application/pdf"
    disposition = "inline" if inline else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        # Public files may be cached anywhere; internal ones only by the agent's browser.
        "Cache-Control": "public, max-age=86400" if served.public else "private, no-store",
    }
    return Response(data, media_type=row.content_type, headers=headers)


def visit_of(request: Request) -> str:
    """This visit of the request form: a random key in the signed session."""
    visit = request.session.get(VISIT_KEY)
    if not isinstance(visit, str) or not visit:
        visit = secrets.token_hex(16)
        request.session[VISIT_KEY] = visit
    return visit


def finish_visit(tx: Tx, request: Request) -> None:
    """The request was sent: count it for the current visit and start a new one."""
    visit = request.session.pop(VISIT_KEY, None)
    if isinstance(visit, str) and visit:
        deflection.record_submitted(tx, visit)


@router.get("/portal/suggestions", response_model=None)
def suggestions(
    request: Request,
    who: Who,
    subject: Annotated[str, Query(max_length=500)] = "",
    message: Annotated[str, Query(max_length=100_000)] = "",
) -> HTMLResponse:
    """Articles that may answer what the customer is typing, in their language first."""
    lang = language_of(request)
    words = _plain(" ".join(f"{subject} {message}".split()[:QUERY_WORDS]))
    fd = fd_of(request)
    hits = []
    if words:
        with fd.read() as session:
            # search() falls back to any of the words when no article has them all.
            hits = search(session, None, words, types=("article",), limit=SUGGESTIONS * 2)
        hits.sort(key=lambda h: h.language != lang)
        hits = hits[:SUGGESTIONS]
    if hits:
        visit = visit_of(request)
        with fd.transaction() as tx:
            deflection.record_shown(tx, visit, [h.id for h in hits])
    return render(request, "portal/suggestions.html", viewer=who, hits=hits)


@router.get("/portal/suggestions/{article_id}", response_model=None)
def open_suggestion(
    request: Request,
    article_id: int,
    who: Who,
    lang: Annotated[str, Query(max_length=16)] = "en",
) -> RedirectResponse:
    """A followed suggestion: counted, then on to the article in the help center."""
    fd = fd_of(request)
    with fd.read() as session:
        view = reading.article_view(session, article_id, lang)
    if view is None:
        return redirect(f"/help/{language_of(request)}")
    visit = request.session.get(VISIT_KEY)
    if isinstance(visit, str) and visit:
        with fd.transaction() as tx:
            deflection.record_opened(tx, visit, article_id)
    return redirect(f"/help/{view.language}/articles/{view.article_id}-{quote(view.slug)}")
