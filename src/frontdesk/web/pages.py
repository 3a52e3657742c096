"""Rendering a page: the template environment, who is looking, in which language, and the
CSRF token every form carries."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from sqlalchemy.orm import lazyload
from starlette.concurrency import run_in_threadpool

from frontdesk.api.deps import SAFE_METHODS, resolve_actor
from frontdesk.domain.actors import Actor
from frontdesk.domain.settings import GeneralSettings, general_settings
from frontdesk.models import PRIORITIES, STATUSES, Agent, Contact
from frontdesk.runtime import Frontdesk
from frontdesk.web.i18n import LANGUAGES, Formats, negotiate, pick_language, translations

TEMPLATES = Path(__file__).parent / "templates"
CSRF_FIELD = "csrf_token"
LABELLED = (*STATUSES, *PRIORITIES, "pending", "failed")

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


@pass_context
def time_tag(context: Context, moment: datetime) -> Markup:
    """`<time>` with the instant for machines and the viewer's local time for people: a
    filter, called directly, where two expressions per row cost three times as much."""
    fmt: Formats = context["fmt"]
    # Safe as built: isoformat() writes only digits and "-:+.T", the text is escaped. (An
    # f-string: Markup's % or join escape again and take twice as long.)
    text = escape(fmt.datetime(moment))
    return Markup(f'<time datetime="{moment.isoformat()}">{text}</time>')  # noqa: S704


env.filters["time_tag"] = time_tag


# No inline script or style runs, whatever a message contains; images only from here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """Raised by a page for someone not signed in; answered with a redirect to sign-in."""

    def __init__(self, portal: bool = False) -> None:
        self.portal = portal


@dataclass
class Viewer:
    """Who looks at a page: their actor, display name and language."""

    actor: Actor | None
    name: str = ""
    email: str = ""
    time_zone: str | None = None

    @property
    def is_agent(self) -> bool:
        return self.actor is not None and self.actor.is_agent

    @property
    def is_admin(self) -> bool:
        return self.actor is not None and self.actor.is_agent and self.actor.is_admin


def fd_of(request: Request) -> Frontdesk:
    fd: Frontdesk = request.app.state.fd
    return fd


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (a visitor's form needs one too)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


async def viewer(request: Request) -> Viewer:
    """Resolve the session (or API token) of the caller. Unsafe methods must carry the
    session's CSRF token, in the X-CSRF-Token header (htmx) or a form field."""
    sent: str | None = None
    if request.method not in SAFE_METHODS and "authorization" not in request.headers:
        sent = request.headers.get("x-csrf-token")
        if sent is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
        # Even a visitor's form (signing in, the web form) must come from our own page.
        expected = request.session.get("csrf")
        if not sent or not expected or not secrets.compare_digest(sent, str(expected)):
            raise HTTPException(403, "the form expired; reload the page and try again")
    return await run_in_threadpool(_resolve, request, sent)


def _resolve(request: Request, csrf: str | None) -> Viewer:
    fd = fd_of(request)
    actor = resolve_actor(request, fd, csrf=csrf)
    if actor is None or actor.id is None:
        return Viewer(None)
    known = request.session.get("viewer")
    if "authorization" not in request.headers and isinstance(known, dict):
        # Kept in the signed session at sign-in: one lookup fewer on every page.
        return Viewer(actor, str(known.get("name", "")), time_zone=known.get("tz"))
    with fd.read() as session:
        if actor.is_agent:
            agent = session.get_one(Agent, actor.id, options=[lazyload(Agent.teams)])
            return Viewer(actor, agent.name, agent.email, agent.time_zone)
        contact = session.get_one(Contact, actor.id)
        return Viewer(actor, contact.name, time_zone=contact.time_zone)


def site_settings(request: Request) -> GeneralSettings:
    """The desk's general settings (from a per-process cache: no query on most pages)."""
    with fd_of(request).read() as session:
        return general_settings(session)


def language_of(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"),
        request.session.get("lang"),
        negotiate(request.headers.get("accept-language", "")),
        site_settings(request).default_language,
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language_of(request)
    gettext = translations(lang).gettext
    who: Viewer | None = context.pop("viewer", None)
    site = site_settings(request)
    full = {
        "_": gettext,
        "lang": lang,
        "languages": LANGUAGES,
        "site": site,
        # Everyone sees times on their own clock; unknown: the desk's default zone.
        "fmt": Formats(lang, (who.time_zone if who else None) or site.default_time_zone),
        "labels": _labels(lang),
        "csrf": csrf_token(request),
        "viewer": who,
        "request": request,
        "now": fd_of(request).clock.now(),
        "htmx": request.headers.get("hx-request") == "true",
        **context,
    }
    html = env.get_template(template).render(full)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


@functools.cache
def _labels(lang: str) -> dict[str, str]:
    """Statuses and priorities by code, in the viewer's language (translated once)."""
    gettext = translations(lang).gettext
    return {code: gettext(code.replace("_", " ").capitalize()) for code in LABELLED}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def hx_redirect(request: Request, url: str) -> HTMLResponse | RedirectResponse:
    """Go to `url`: htmx follows HX-Redirect, a plain form follows 303."""
    if request.headers.get("hx-request") == "true":
        return HTMLResponse("", headers={"HX-Redirect": url})
    return redirect(url)
