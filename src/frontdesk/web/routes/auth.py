"""Signing agents in and out, and the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from frontdesk.api.routes.auth import limiter
from frontdesk.domain.agents import authenticate_password
from frontdesk.domain.errors import Invalid
from frontdesk.domain.password_reset import request_reset, reset_password
from frontdesk.web.i18n import LANGUAGES, translations
from frontdesk.web.pages import Viewer, fd_of, language_of, redirect, render, viewer

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None, default: str = "/inbox") -> str:
    """Only a path on this site: never an open redirect to another one."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


@router.get("/", response_model=None)
async def home(who: Annotated[Viewer, Depends(viewer)]) -> RedirectResponse:
    if who.actor is not None and who.actor.type == "contact":
        return redirect("/portal/tickets")
    return redirect("/inbox" if who.is_agent else "/login")


@router.get("/login", response_model=None)
async def login_page(
    request: Request, who: Annotated[Viewer, Depends(viewer)], next: str | None = None
) -> HTMLResponse | RedirectResponse:
    if who.is_agent:
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), email="", error=None, notice=None)


@router.post("/login", response_model=None)
async def login(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> HTMLResponse | RedirectResponse:
    _ = translations(language_of(request)).gettext
    keys = (
        f"email:{email.strip().lower()}",
        f"ip:{request.client.host if request.client else '-'}",
    )
    if limiter.blocked_for(*keys) > 0:
        return render(
            request,
            "login.html",
            status_code=429,
            next=safe_next(next),
            email=email,
            notice=None,
            error=_("Too many failed sign-ins. Wait a few minutes and try again."),
        )
    fd = fd_of(request)

    def check() -> tuple[int, str, str | None, list[str], str | None] | None:
        with fd.read() as session:
            agent = authenticate_password(session, email, password)
            if agent is None:
                return None
            return agent.id, agent.name, agent.ui_language, list(agent.languages), agent.time_zone

    found = await run_in_threadpool(check)
    if found is None:
        limiter.failed(*keys)
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next),
            email=email,
            notice=None,
            error=_("Wrong email or password."),
        )
    limiter.succeeded(keys[0])
    # The language of the agent's profile wins; else one chosen before signing in; else
    # the first UI language the agent speaks.
    chosen = found[2] if found[2] in LANGUAGES else None
    spoken = [code for code in found[3] if code in LANGUAGES]
    lang = chosen or request.session.get("lang") or (spoken[0] if spoken else None)
    request.session.clear()
    request.session.update(
        {
            "agent_id": found[0],
            "csrf": secrets.token_urlsafe(24),
            "viewer": {"name": found[1], "tz": found[4]},
        }
    )
    if lang:
        request.session["lang"] = lang
    return redirect(safe_next(next))


@router.post("/logout", response_model=None)
async def logout(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> RedirectResponse:
    portal = who.actor is not None and who.actor.type == "contact"
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return redirect("/portal" if portal else "/login")


@router.post("/language", response_model=None)
async def choose_language(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    lang: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> RedirectResponse:
    """The viewer's language, kept in their session (it survives signing in and out)."""
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return redirect(safe_next(next, "/"))


@router.get("/password-reset", response_model=None)
async def reset_page(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> HTMLResponse:
    return render(request, "password_reset.html", viewer=who, notice=None)


@router.post("/password-reset", response_model=None)
async def reset_request(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    email: Annotated[str, Form(max_length=320)],
) -> HTMLResponse:
    _ = translations(language_of(request)).gettext
    fd = fd_of(request)
    if limiter.blocked_for(f"ip:{request.client.host if request.client else '-'}") <= 0:

        def queue() -> None:
            with fd.transaction() as tx:
                request_reset(tx, fd.secret_key, str(fd.settings.base_url), email)

        await run_in_threadpool(queue)
    return render(
        request,
        "password_reset.html",
        viewer=who,
        notice=_(
            "If an agent has this address, a reset link is on its way. It works for one hour."
        ),
    )


@router.get("/password-reset/new", response_model=None)
async def new_password_page(
    request: Request, who: Annotated[Viewer, Depends(viewer)], token: str = ""
) -> HTMLResponse:
    return render(request, "password_new.html", viewer=who, token=token[:2000], error=None)


@router.post("/password-reset/new", response_model=None)
async def new_password(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    token: Annotated[str, Form(max_length=2000)],
    password: Annotated[str, Form(max_length=1000)],
) -> HTMLResponse:
    _ = translations(language_of(request)).gettext
    fd = fd_of(request)

    def change() -> None:
        with fd.transaction() as tx:
            reset_password(tx, fd.secret_key, token, password)

    try:
        await run_in_threadpool(change)
    except Invalid:
        return render(
            request,
            "password_new.html",
            status_code=422,
            viewer=who,
            token=token,
            error=_("At least 10 characters, please."),
        )
    return render(
        request,
        "login.html",
        viewer=who,
        next="/inbox",
        email="",
        error=None,
        notice=_("Your password was changed. Sign in with it."),
    )
