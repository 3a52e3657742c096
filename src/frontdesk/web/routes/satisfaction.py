"""Customers rate a solved ticket: from a signed link in the mail (no sign-in), or on
their ticket in the portal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from frontdesk.domain.actors import Actor
from frontdesk.domain.satisfaction import rate, rating_of, read_rating_token
from frontdesk.domain.tickets import get_ticket
from frontdesk.models.satisfaction import SCORES
from frontdesk.web.pages import Viewer, fd_of, redirect, render, viewer
from frontdesk.web.routes.common import CustomerViewer

router = APIRouter(include_in_schema=False)
Score = Annotated[str, Form(pattern="^(good|bad)$")]
Comment = Annotated[str, Form(max_length=5000)]


@router.get("/rate", response_model=None)
def rating_page(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    token: str = "",
    score: str = "",
) -> HTMLResponse:
    """Mail scanners open links: the link shows the choice; pressing the button saves it."""
    fd = fd_of(request)
    ticket_id, contact_id = read_rating_token(fd.secret_key, token[:2000])
    with fd.reading() as tx:
        ticket = get_ticket(tx, Actor.for_contact(contact_id), ticket_id)
        rating = rating_of(tx.session, ticket.id)
        return render(
            request,
            "portal/rate.html",
            viewer=who,
            ticket=ticket,
            rating=rating,
            token=token[:2000],
            score=score if score in SCORES else (rating.score if rating else ""),
            done=False,
        )


@router.post("/rate", response_model=None)
def rate_by_link(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    token: Annotated[str, Form(max_length=2000)],
    score: Score,
    comment: Comment = "",
) -> HTMLResponse:
    fd = fd_of(request)
    ticket_id, contact_id = read_rating_token(fd.secret_key, token)
    with fd.transaction() as tx:
        rating = rate(tx, Actor.for_contact(contact_id), ticket_id, score, comment)
        ticket = get_ticket(tx, Actor.for_contact(contact_id), ticket_id)
        page = render(
            request,
            "portal/rate.html",
            viewer=who,
            ticket=ticket,
            rating=rating,
            token=token,
            score=score,
            done=True,
        )
    return page


@router.post("/portal/tickets/{ticket_id}/rating", response_model=None)
def rate_in_portal(
    request: Request, ticket_id: int, who: CustomerViewer, score: Score, comment: Comment = ""
) -> RedirectResponse:
    assert who.actor is not None
    with fd_of(request).transaction() as tx:
        rate(tx, who.actor, ticket_id, score, comment)
    return redirect(f"/portal/tickets/{ticket_id}#rating")
