"""The agent workspace and the customer portal: server-rendered pages (Jinja2 + htmx).

Routes here parse forms, call domain actions and render templates; they hold no business
rules. `install(app)` mounts the pages, the static files and the error pages on the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from frontdesk.domain.errors import DomainError
from frontdesk.web.i18n import translations
from frontdesk.web.pages import SignInRequired, hx_redirect, language_of, render
from frontdesk.web.routes import (
    admin,
    admin_inboxes,
    auth,
    chats,
    contacts,
    inbox,
    kb,
    kb_public,
    portal,
    profile,
    satisfaction,
    ticket,
)

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    auth.router,
    inbox.router,
    ticket.router,
    contacts.router,
    profile.router,
    admin.router,
    admin_inboxes.router,
    portal.router,
    satisfaction.router,
    chats.router,
    kb.router,
    kb_public.router,
)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _html_errors(app)


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/healthz", "/metrics"))


def _html_errors(app: FastAPI) -> None:
    """Pages answer errors as pages (or, to htmx, as a message to show); the API keeps
    its problem details."""
    api_handlers = dict(app.exception_handlers)

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SignInRequired):
            target = "/portal" if exc.portal else "/login"
            if not exc.portal:
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                target += "?next=" + quote(here)
            return hx_redirect(request, target)
        handler: Any = api_handlers.get(type(exc)) or api_handlers.get(Exception)
        for cls in type(exc).__mro__:
            if cls in api_handlers:
                handler = api_handlers[cls]
                break
        if not _is_page(request):
            response: Response = await handler(request, exc)
            return response
        status, title, detail = _describe(exc)
        _ = translations(language_of(request)).gettext
        if request.headers.get("hx-request") == "true":
            return render(
                request,
                "partials/flash.html",
                status_code=status,
                message=f"{_(title)}: {detail}",
                level="error",
            )
        return render(
            request,
            "error.html",
            status_code=status,
            title=_(title),
            detail=detail,
            back=_same_site_path(request.headers.get("referer")),
        )

    for cls in (SignInRequired, DomainError, StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(cls, on_error)


def _same_site_path(referer: str | None) -> str:
    """The path of the page that led here, never another site's address."""
    path = urlsplit(referer or "").path
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _describe(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, DomainError):
        return exc.status, exc.title, exc.detail
    if isinstance(exc, StarletteHTTPException):
        titles = {401: "Sign in", 403: "Forbidden", 404: "Not found", 405: "Not allowed"}
        return exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
    if isinstance(exc, RequestValidationError):
        parts = []
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())][1:]
            parts.append(f"{'.'.join(loc) or 'form'}: {error.get('msg', '')}")
        return 422, "Invalid input", "; ".join(parts)
    return 500, "Error", "something went wrong"
