"""Administration: agents, teams, inboxes, canned replies and general settings (admins
only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from frontdesk.channels.base import CHANNELS
from frontdesk.channels.email.oauth2 import refused_grants
from frontdesk.domain import agents, canned, inboxes
from frontdesk.domain.canned import canned_replies
from frontdesk.domain.errors import PermissionDenied
from frontdesk.domain.settings import time_zones, update_general_settings
from frontdesk.domain.workspace import directory
from frontdesk.models import ROLES, Inbox
from frontdesk.web.i18n import LANGUAGES
from frontdesk.web.pages import Viewer, fd_of, redirect, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(prefix="/admin", include_in_schema=False)


def _admin(who: Viewer) -> Viewer:
    if not who.is_admin:
        raise PermissionDenied("administration is for admins")
    return who


@router.get("", response_model=None)
def admin_page(request: Request, who: AgentViewer) -> HTMLResponse:
    _admin(who)
    with fd_of(request).read() as session:
        people = directory(session, with_teams=True)
        return render(
            request,
            "admin/index.html",
            viewer=who,
            section="admin",
            people=people,
            # The whole directory holds the inboxes themselves, with their config.
            reauthorize=refused_grants(
                session, {i: b for i, b in people.inboxes.items() if isinstance(b, Inbox)}
            ),
            roles=ROLES,
            kinds=sorted(CHANNELS),
            canned=canned_replies(session),
        )


@router.post("/agents", response_model=None)
def invite_agent(
    request: Request,
    who: AgentViewer,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=16)] = "agent",
    password: Annotated[str, Form(max_length=1000)] = "",
    team_ids: Annotated[list[int] | None, Form()] = None,
) -> RedirectResponse:
    actor = _admin(who).actor
    assert actor is not None
    with fd_of(request).transaction() as tx:
        agents.create_agent(
            tx,
            actor,
            email=email,
            name=name,
            role=role,
            password=password or None,
            team_ids=team_ids or [],
        )
    return redirect("/admin")


@router.post("/agents/{agent_id}", response_model=None)
def edit_agent(
    request: Request,
    agent_id: int,
    who: AgentViewer,
    role: Annotated[str, Form(max_length=16)],
    is_active: Annotated[bool, Form()] = False,
    team_ids: Annotated[list[int] | None, Form()] = None,
) -> RedirectResponse:
    """Role, teams and whether the agent may sign in."""
    actor = _admin(who).actor
    assert actor is not None
    fields = {"role": role, "is_active": is_active, "team_ids": team_ids or []}
    with fd_of(request).transaction() as tx:
        agents.update_agent(tx, actor, agent_id, fields)
    return redirect("/admin")


@router.post("/teams", response_model=None)
def add_team(
    request: Request, who: AgentViewer, name: Annotated[str, Form(max_length=100)]
) -> RedirectResponse:
    actor = _admin(who).actor
    assert actor is not None
    with fd_of(request).transaction() as tx:
        agents.create_team(tx, actor, name, [])
    return redirect("/admin")


@router.post("/inboxes", response_model=None)
def add_inbox(
    request: Request,
    who: AgentViewer,
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[str, Form(max_length=32)],
    address: Annotated[str, Form(max_length=320)] = "",
) -> RedirectResponse:
    """A new channel. Kinds with required settings (an email address) take them here;
    the rest is configured through the API."""
    actor = _admin(who).actor
    assert actor is not None
    config = {"address": address} if kind == "email" else {}
    with fd_of(request).transaction() as tx:
        inboxes.create_inbox(tx, actor, name=name, kind=kind, config=config, team_id=None)
    return redirect("/admin")


@router.post("/canned", response_model=None)
def add_canned(
    request: Request,
    who: AgentViewer,
    title: Annotated[str, Form(max_length=200)],
    text: Annotated[str, Form(max_length=20_000)],
) -> RedirectResponse:
    actor = _admin(who).actor
    assert actor is not None
    with fd_of(request).transaction() as tx:
        canned.create_canned(tx, actor, title, text)
    return redirect("/admin#canned")


@router.post("/canned/{reply_id}/delete", response_model=None)
def delete_canned(request: Request, reply_id: int, who: AgentViewer) -> RedirectResponse:
    actor = _admin(who).actor
    assert actor is not None
    with fd_of(request).transaction() as tx:
        canned.delete_canned(tx, actor, reply_id)
    return redirect("/admin#canned")


@router.get("/settings", response_model=None)
def settings_page(request: Request, who: AgentViewer, saved: bool = False) -> HTMLResponse:
    _admin(who)
    return render(
        request,
        "admin/settings.html",
        viewer=who,
        section="admin",
        zones=time_zones(),
        saved=saved,
    )


@router.post("/settings", response_model=None)
def save_settings(
    request: Request,
    who: AgentViewer,
    desk_name: Annotated[str, Form(max_length=100)],
    default_language: Annotated[str, Form(max_length=16)],
    default_time_zone: Annotated[str, Form(max_length=64)],
    portal_enabled: Annotated[bool, Form()] = False,
    satisfaction_enabled: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    actor = _admin(who).actor
    assert actor is not None
    changes = {
        "desk_name": desk_name,
        "default_language": default_language,
        "default_time_zone": default_time_zone,
        "portal_enabled": portal_enabled,
        "satisfaction_enabled": satisfaction_enabled,
    }
    with fd_of(request).transaction() as tx:
        update_general_settings(tx, actor, changes, languages=LANGUAGES)
    return redirect("/admin/settings?saved=1")
