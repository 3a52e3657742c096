"""The public help center: server-rendered pages with the language in every URL.

/help                      → the reader's language (Accept-Language), else English
/help/{lang}               categories and their first articles
/help/{lang}/categories/{id}-{slug}
/help/{lang}/articles/{id}-{slug}   (a wrong or old slug still finds the article)
/help/{lang}/search?q=
/help/sitemap.xml          every published public article in every language

The pages stand alone (their own small layout) so they can later take the shared one.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from frontdesk.api.deps import FD
from frontdesk.kb import articles, reading
from frontdesk.kb.articles import slugify
from frontdesk.kb.words import LANGUAGE_NAMES, words_for
from frontdesk.language import enabled_languages
from frontdesk.search.service import search

router = APIRouter(prefix="/help", include_in_schema=False)
templates = Environment(
    loader=PackageLoader("frontdesk.kb", "templates"),
    autoescape=select_autoescape(["html"]),
)
DESCRIPTION_CHARS = 160


def _languages() -> tuple[str, ...]:
    return enabled_languages()


def _check(lang: str) -> str:
    if lang not in _languages():
        raise HTTPException(404, "no help center in this language")
    return lang


def _ref_id(ref: str) -> int:
    number = ref.split("-", 1)[0]
    if not number.isdigit() or len(number) > 12:
        raise HTTPException(404, "not found")
    return int(number)


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    path = request.url.path

    def alternate_url(code: str) -> str:
        return f"/help/{code}" + path.removeprefix(f"/help/{lang}")

    html = templates.get_template(template).render(
        lang=lang,
        t=words_for(lang),
        language_names={c: LANGUAGE_NAMES.get(c, c) for c in _languages()},
        alternates=context.pop("alternates", _languages()),
        alternate_url=alternate_url,
        **context,
    )
    return HTMLResponse(html, status_code=status)


@router.get("")
def home_redirect(request: Request) -> RedirectResponse:
    wanted = request.headers.get("accept-language", "")
    for part in wanted.split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in _languages():
            return RedirectResponse(f"/help/{code}", 307)
    return RedirectResponse(f"/help/{_languages()[0]}", 307)


@router.get("/sitemap.xml")
def sitemap(request: Request, fd: FD) -> Response:
    base = str(fd.settings.base_url).rstrip("/")
    with fd.read() as session:
        rows = reading.published(session)
    urls = [
        f"<url><loc>{escape(base)}/help/{t.language}/articles/{a.id}-{escape(t.slug)}</loc>"
        f"<lastmod>{(v.published_at or v.created_at).date().isoformat()}</lastmod></url>"
        for t, a, v in rows
        if t.language in _languages()
    ]
    homes = [f"<url><loc>{escape(base)}/help/{code}</loc></url>" for code in _languages()]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(homes + urls)
        + "</urlset>"
    )
    return Response(body, media_type="application/xml")


def _tree(fd: FD, lang: str) -> list[dict[str, Any]]:
    """Categories → sections → the articles published in `lang`."""
    with fd.read() as session:
        rows = reading.published(session)
        sections = reading.sections(session)
        categories = reading.categories(session)
    by_section: dict[int, list[dict[str, str]]] = {}
    for translation, article, version in rows:
        if translation.language == lang:
            by_section.setdefault(article.section_id, []).append(
                {
                    "title": version.title,
                    "url": f"/help/{lang}/articles/{article.id}-{translation.slug}",
                }
            )
    tree = []
    for category in categories:
        name = reading.name_in(category.names, lang)
        own = [
            {"name": reading.name_in(s.names, lang), "articles": by_section.get(s.id, [])}
            for s in sections
            if s.category_id == category.id
        ]
        tree.append(
            {
                "id": category.id,
                "name": name,
                "slug": slugify(name),
                "description": reading.name_in(category.descriptions, lang)
                if category.descriptions
                else "",
                "sections": [s for s in own if s["articles"]],
                "articles": [a for s in own for a in s["articles"]],
            }
        )
    return tree


@router.get("/{lang}", response_class=HTMLResponse)
def home(lang: str, request: Request, fd: FD) -> HTMLResponse:
    _check(lang)
    categories = [c for c in _tree(fd, lang) if c["articles"]]
    return _page(request, "home.html", lang, categories=categories)


@router.get("/{lang}/categories/{ref}", response_class=HTMLResponse)
def category(lang: str, ref: str, request: Request, fd: FD) -> HTMLResponse:
    _check(lang)
    category_id = _ref_id(ref)
    found = next((c for c in _tree(fd, lang) if c["id"] == category_id), None)
    if found is None:
        raise HTTPException(404, "no such category")
    return _page(request, "category.html", lang, category=found)


@router.get("/{lang}/articles/{ref}", response_class=HTMLResponse)
def article(lang: str, ref: str, request: Request, fd: FD) -> Response:
    _check(lang)
    article_id = _ref_id(ref)
    with fd.read() as session:
        view = reading.article_view(session, article_id, lang)
    if view is None:
        raise HTTPException(404, "no such article in this language")
    canonical_path = f"/help/{lang}/articles/{view.article_id}-{view.slug}"
    if request.url.path != canonical_path:
        return RedirectResponse(canonical_path, 301)
    with fd.transaction() as tx:
        articles.record_view(tx, view.translation_id)
    description = " ".join(view.body_text.split())[:DESCRIPTION_CHARS]
    base = str(fd.settings.base_url).rstrip("/")
    return _page(
        request,
        "article.html",
        lang,
        article=view,
        description=description,
        canonical=base + canonical_path,
        vote_url=canonical_path + "/vote",
        voted=request.query_params.get("voted") == "1",
        alternates=view.languages,
    )


@router.post("/{lang}/articles/{ref}/vote")
def vote(
    lang: str, ref: str, request: Request, fd: FD, helpful: Annotated[str, Form(max_length=3)]
) -> RedirectResponse:
    _check(lang)
    article_id = _ref_id(ref)
    if helpful not in ("yes", "no"):
        raise HTTPException(422, "helpful must be yes or no")
    with fd.read() as session:
        view = reading.article_view(session, article_id, lang)
    if view is None:
        raise HTTPException(404, "no such article in this language")
    session_data = request.session
    if "contact_id" in session_data:
        voter = f"contact:{session_data['contact_id']}"
    else:
        session_data.setdefault("reader", secrets.token_hex(8))
        voter = f"anon:{session_data['reader']}"
    with fd.transaction() as tx:
        articles.vote(tx, view.translation_id, voter, helpful == "yes")
    return RedirectResponse(f"/help/{lang}/articles/{view.article_id}-{view.slug}?voted=1", 303)


@router.get("/{lang}/search", response_class=HTMLResponse)
def search_page(
    lang: str,
    request: Request,
    fd: FD,
    q: Annotated[str, Query(max_length=10_000)] = "",
) -> HTMLResponse:
    _check(lang)
    with fd.read() as session:
        hits = search(session, None, q, types=("article",), limit=20)
    # Articles in the reader's language first; others after, rather than nothing.
    hits.sort(key=lambda h: h.language != lang)
    return _page(request, "search.html", lang, q=q, hits=hits)
