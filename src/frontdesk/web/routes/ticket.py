"""The ticket view: timeline, reply and note composer, properties edited in place, and the
customer beside it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from frontdesk.channels.base import InboundAttachment
from frontdesk.domain import tickets, views
from frontdesk.domain.actors import Actor
from frontdesk.domain.canned import canned_replies
from frontdesk.domain.errors import Invalid
from frontdesk.domain.workspace import (
    directory,
    newer_customer_messages,
    note_with_mentions,
    ticket_story,
)
from frontdesk.models import PRIORITIES, STATUSES
from frontdesk.runtime import Frontdesk
from frontdesk.web.i18n import translations
from frontdesk.web.pages import fd_of, language_of, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(include_in_schema=False)
MAX_FILES = 10


def _page(request: Request, who: Any, template: str, ticket_id: int, **extra: Any) -> HTMLResponse:
    fd = fd_of(request)
    with fd.reading() as tx:
        story = ticket_story(tx, who.actor, ticket_id)
        if views.needs_mark(tx.session, who.actor, story.ticket):
            with fd.transaction() as write:  # the agent has now seen the ticket
                views.mark_read(write, who.actor, ticket_id)
        return render(
            request,
            template,
            viewer=who,
            section="inbox",
            story=story,
            ticket=story.ticket,
            people=directory(tx.session),
            canned=canned_replies(tx.session),
            statuses=STATUSES,
            priorities=PRIORITIES,
            **extra,
        )


@router.get("/tickets/{ticket_id}", response_model=None)
def ticket_page(request: Request, ticket_id: int, who: AgentViewer) -> HTMLResponse:
    return _page(request, who, "agent/ticket.html", ticket_id)


@router.get("/tickets/{ticket_id}/conversation", response_model=None)
def conversation(request: Request, ticket_id: int, who: AgentViewer) -> HTMLResponse:
    """The timeline and composer alone, for live refresh."""
    return _page(request, who, "agent/conversation.html", ticket_id)


async def _files(uploads: list[UploadFile] | None) -> list[InboundAttachment]:
    files = [u for u in uploads or [] if u.filename]
    if len(files) > MAX_FILES:
        raise Invalid("attachments", f"at most {MAX_FILES} files")
    return [
        InboundAttachment(
            filename=u.filename or "attachment",
            content_type=u.content_type or "application/octet-stream",
            data=await u.read(),
        )
        for u in files
    ]


@router.post("/tickets/{ticket_id}/reply", response_model=None)
async def reply(
    request: Request,
    ticket_id: int,
    who: AgentViewer,
    text: Annotated[str, Form(max_length=100_000)] = "",
    mode: Annotated[str, Form(pattern="^(reply|note)$")] = "reply",
    status: Annotated[str, Form(max_length=16)] = "",
    seen: Annotated[int, Form()] = 0,
    confirmed: Annotated[bool, Form()] = False,
    attachments: Annotated[list[UploadFile] | None, Form()] = None,
) -> HTMLResponse:
    """Send a reply (or add a note). A reply written while the customer wrote again is held
    back once, so that the agent reads the new message before sending."""
    assert who.actor is not None
    files = await _files(attachments)
    fd = fd_of(request)
    actor = who.actor
    held = await run_in_threadpool(
        _write, fd, actor, ticket_id, text, mode, status or None, seen, confirmed, files
    )
    _ = translations(language_of(request)).gettext
    if held:
        return _page(
            request,
            who,
            "agent/conversation.html",
            ticket_id,
            draft=text,
            draft_mode=mode,
            held=_("A new message arrived while you were writing. Review it, then send again."),
        )
    return _page(request, who, "agent/conversation.html", ticket_id)


def _write(
    fd: Frontdesk,
    actor: Actor,
    ticket_id: int,
    text: str,
    mode: str,
    status: str | None,
    seen: int,
    confirmed: bool,
    files: list[InboundAttachment],
) -> bool:
    """Returns True when the reply was held back."""
    with fd.transaction() as tx:
        if mode == "note":
            note_with_mentions(tx, actor, ticket_id, text, files)
            return False
        if not confirmed and newer_customer_messages(tx, actor, ticket_id, seen):
            return True
        tickets.reply(tx, actor, ticket_id, text, attachments=files, status=status)
        return False


@router.post("/tickets/{ticket_id}/preview", response_model=None)
def preview(
    request: Request,
    ticket_id: int,
    who: AgentViewer,
    text: Annotated[str, Form(max_length=100_000)] = "",
) -> HTMLResponse:
    """The reply as the customer will read it, before it is sent."""
    assert who.actor is not None
    with fd_of(request).reading() as tx:
        tickets.get_ticket(tx, who.actor, ticket_id)
    return render(request, "agent/preview.html", viewer=who, text=text)


@router.post("/tickets/{ticket_id}/properties", response_model=None)
def properties(
    request: Request,
    ticket_id: int,
    who: AgentViewer,
    status: Annotated[str | None, Form(max_length=16)] = None,
    priority: Annotated[str | None, Form(max_length=16)] = None,
    team_id: Annotated[str | None, Form(max_length=20)] = None,
    assignee_id: Annotated[str | None, Form(max_length=20)] = None,
    tags: Annotated[str | None, Form(max_length=2000)] = None,
    custom_fields: Annotated[str | None, Form(max_length=20_000)] = None,
) -> HTMLResponse:
    """Change status, priority, team, owner or tags in place; answers the side panel."""
    assert who.actor is not None
    fd = fd_of(request)
    with fd.transaction() as tx:
        fields: dict[str, Any] = {}
        if status:
            fields["status"] = status
        if priority:
            fields["priority"] = priority
        if tags is not None:
            fields["tags"] = tags.replace(",", " ").split()
        if custom_fields is not None:
            fields["custom_fields"] = _custom_fields(custom_fields)
        if fields:
            tickets.update_ticket(tx, who.actor, ticket_id, fields)
        if assignee_id is not None or team_id is not None:
            current = tickets.get_ticket(tx, who.actor, ticket_id)
            owner = _optional_id(assignee_id, "assignee_id", current.assignee_id)
            if team_id is None:
                tickets.assign(tx, who.actor, ticket_id, owner)
            else:
                team = _optional_id(team_id, "team_id", current.team_id)
                tickets.assign(tx, who.actor, ticket_id, owner, team_id=team)
    return _page(request, who, "agent/properties.html", ticket_id, saved=True)


def _optional_id(value: str | None, field: str, unchanged: int | None) -> int | None:
    if value is None:
        return unchanged
    if value in ("", "none"):
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(field, "must be an id") from None


def _custom_fields(text: str) -> dict[str, str]:
    """`name: value` per line, as the side panel shows them."""
    fields: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise Invalid("custom_fields", f"line {number}: write it as name: value")
        fields[name.strip()] = value.strip()
    return fields
