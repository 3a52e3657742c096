"""The customer portal: the web form, sign-in by link, and the customer's own tickets."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.channels.webform import RateLimit, Submission, submit
from frontdesk.domain import tickets
from frontdesk.domain.errors import NotFound
from frontdesk.domain.inbound import receive
from frontdesk.domain.portal import contact_for_signin_token, request_signin_link
from frontdesk.domain.satisfaction import rating_of
from frontdesk.domain.ticket_list import TicketFilter, list_tickets
from frontdesk.domain.workspace import ticket_story
from frontdesk.web.i18n import LANGUAGES, translations
from frontdesk.web.pages import (
    Viewer,
    fd_of,
    language_of,
    redirect,
    render,
    site_settings,
    viewer,
)
from frontdesk.web.routes.common import CustomerViewer
from frontdesk.web.routes.kb_public import finish_visit
from frontdesk.web.routes.ticket import _files


async def _portal_on(request: Request) -> None:
    """An admin may turn the portal off (General settings): then it is not here."""
    if not (await run_in_threadpool(site_settings, request)).portal_enabled:
        raise NotFound("the customer portal is turned off")


router = APIRouter(prefix="/portal", include_in_schema=False, dependencies=[Depends(_portal_on)])
# The web form and the sign-in link form, per client address.
form_limit = RateLimit(max_per_window=5, window_seconds=600)
HONEYPOT = "website"  # hidden from people; bots fill in every field


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def _home(request: Request, who: Viewer, status_code: int = 200, **extra: object) -> HTMLResponse:
    defaults: dict[str, object] = {"form": {}, "error": None, "notice": None}
    return render(
        request, "portal/home.html", status_code=status_code, viewer=who, **{**defaults, **extra}
    )


@router.get("", response_model=None)
async def portal_home(
    request: Request, who: Annotated[Viewer, Depends(viewer)]
) -> HTMLResponse | RedirectResponse:
    if who.actor is not None and who.actor.type == "contact":
        return redirect("/portal/tickets")
    return _home(request, who)


@router.post("/requests", response_model=None)
async def submit_request(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    subject: Annotated[str, Form(max_length=500)] = "",
    message: Annotated[str, Form(max_length=100_000)] = "",
    website: Annotated[str, Form(max_length=2000)] = "",
    attachments: Annotated[list[UploadFile] | None, Form()] = None,
) -> HTMLResponse:
    """The web form channel's entry point."""
    _ = translations(language_of(request)).gettext
    form = {"name": name, "email": email, "subject": subject, "message": message}
    if website:
        # A bot filled the hidden field: thank it and store nothing.
        return render(request, "portal/thanks.html", viewer=who, number=None)
    if not form_limit.allow(f"form:{_client(request)}"):
        return _home(
            request,
            who,
            status_code=429,
            form=form,
            error=_("Too many requests from your network. Please try again in a few minutes."),
        )
    files = await _files(attachments)
    fd = fd_of(request)
    lang = language_of(request)

    def store() -> int:
        with fd.transaction() as tx:
            received = submit(tx, Submission(name, email, subject, message, tuple(files), lang))
            finish_visit(tx, request)
            return received.ticket.id

    number = await run_in_threadpool(store)
    return render(request, "portal/thanks.html", viewer=who, number=number)


@router.post("/link", response_model=None)
async def send_link(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    email: Annotated[str, Form(max_length=320)],
) -> HTMLResponse:
    _ = translations(language_of(request)).gettext
    if not form_limit.allow(f"link:{_client(request)}"):
        return _home(
            request,
            who,
            status_code=429,
            error=_("Too many requests from your network. Please try again in a few minutes."),
        )
    fd = fd_of(request)

    def queue() -> None:
        with fd.transaction() as tx:
            request_signin_link(tx, fd.secret_key, str(fd.settings.base_url), email)

    await run_in_threadpool(queue)
    return _home(
        request,
        who,
        notice=_(
            "If this address is known to us, a sign-in link is on its way. It works once, "
            "for 30 minutes."
        ),
    )


@router.get("/signin", response_model=None)
async def signin_page(
    request: Request, who: Annotated[Viewer, Depends(viewer)], token: str = ""
) -> HTMLResponse:
    """Mail scanners open links: the link only shows a button; pressing it signs in."""
    return render(request, "portal/signin.html", viewer=who, token=token[:2000])


@router.post("/signin", response_model=None)
async def signin(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    token: Annotated[str, Form(max_length=2000)],
) -> RedirectResponse:
    fd = fd_of(request)

    def use() -> tuple[int, str, str | None, str | None]:
        with fd.transaction() as tx:
            contact = contact_for_signin_token(tx, fd.secret_key, token)
            return contact.id, contact.name, contact.time_zone, contact.language

    contact_id, name, time_zone, language = await run_in_threadpool(use)
    # The language chosen on this device wins; else the one we know the customer writes in.
    lang = request.session.get("lang") or (language if language in LANGUAGES else None)
    request.session.clear()
    request.session.update(
        {
            "contact_id": contact_id,
            "csrf": secrets.token_urlsafe(24),
            "viewer": {"name": name, "tz": time_zone},
        }
    )
    if lang:
        request.session["lang"] = lang
    return redirect("/portal/tickets")


@router.get("/tickets", response_model=None)
def my_tickets(request: Request, who: CustomerViewer, cursor: str | None = None) -> HTMLResponse:
    assert who.actor is not None
    with fd_of(request).read() as session:
        rows, next_cursor = list_tickets(
            session, who.actor, TicketFilter(), sort="-id", limit=50, cursor=cursor
        )
        return render(
            request, "portal/tickets.html", viewer=who, tickets=rows, next_cursor=next_cursor
        )


@router.get("/tickets/{ticket_id}", response_model=None)
def my_ticket(request: Request, ticket_id: int, who: CustomerViewer) -> HTMLResponse:
    assert who.actor is not None
    with fd_of(request).reading() as tx:
        story = ticket_story(tx, who.actor, ticket_id)
        return render(
            request,
            "portal/ticket.html",
            viewer=who,
            story=story,
            ticket=story.ticket,
            rating=rating_of(tx.session, ticket_id),
        )


@router.post("/tickets/{ticket_id}/reply", response_model=None)
async def my_reply(
    request: Request,
    ticket_id: int,
    who: CustomerViewer,
    text: Annotated[str, Form(max_length=100_000)] = "",
    attachments: Annotated[list[UploadFile] | None, Form()] = None,
) -> RedirectResponse:
    """The customer writes on their ticket, through the one inbound pipeline."""
    assert who.actor is not None
    assert who.actor.id is not None
    files = await _files(attachments)
    fd = fd_of(request)
    actor = who.actor
    contact_id = who.actor.id

    def store() -> None:
        with fd.transaction() as tx:
            ticket = tickets.get_ticket(tx, actor, ticket_id)
            receive(
                tx,
                InboundMessage(
                    inbox_id=ticket.inbox_id,
                    sender=Sender(contact_id=contact_id),
                    channel="portal",
                    text=text,
                    ticket_id=ticket.id,
                    attachments=tuple(files),
                ),
            )

    await run_in_threadpool(store)
    return redirect(f"/portal/tickets/{ticket_id}#latest")
