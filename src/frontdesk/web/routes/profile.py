"""An agent's own preferences: name, language of the workspace and time zone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from frontdesk.domain import agents
from frontdesk.domain.errors import Invalid
from frontdesk.domain.settings import time_zones
from frontdesk.models import Agent
from frontdesk.web.i18n import LANGUAGES
from frontdesk.web.pages import fd_of, redirect, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(include_in_schema=False)


@router.get("/profile", response_model=None)
def profile_page(request: Request, who: AgentViewer, saved: bool = False) -> HTMLResponse:
    assert who.actor is not None
    assert who.actor.id is not None
    with fd_of(request).read() as session:
        agent = session.get_one(Agent, who.actor.id)
        return render(
            request,
            "agent/profile.html",
            viewer=who,
            section="profile",
            agent=agent,
            zones=time_zones(),
            saved=saved,
        )


@router.post("/profile", response_model=None)
def save_profile(
    request: Request,
    who: AgentViewer,
    name: Annotated[str, Form(max_length=200)],
    ui_language: Annotated[str, Form(max_length=16)] = "",
    time_zone: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    """Saved on the agent (it follows them to every device) and in this session."""
    assert who.actor is not None
    assert who.actor.id is not None
    if ui_language and ui_language not in LANGUAGES:
        raise Invalid("ui_language", f"must be one of {', '.join(LANGUAGES)}")
    fields = {"name": name, "ui_language": ui_language or None, "time_zone": time_zone or None}
    with fd_of(request).transaction() as tx:
        agent = agents.update_agent(tx, who.actor, who.actor.id, fields)
        shown = {"name": agent.name, "tz": agent.time_zone}
    request.session["viewer"] = shown
    if ui_language:
        request.session["lang"] = ui_language
    return redirect("/profile?saved=1")
