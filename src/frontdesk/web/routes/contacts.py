"""Contacts: search, profile, edit and merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from frontdesk.domain import contacts
from frontdesk.domain.errors import Invalid
from frontdesk.domain.workspace import customer_panel
from frontdesk.models import Organization
from frontdesk.web.pages import fd_of, hx_redirect, redirect, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(include_in_schema=False)


@router.get("/contacts", response_model=None)
def contact_list(
    request: Request,
    who: AgentViewer,
    q: Annotated[str | None, Query(max_length=200)] = None,
    after: int | None = None,
) -> HTMLResponse:
    with fd_of(request).read() as session:
        rows, more = contacts.search_contacts(session, q, limit=50, after=after)
        return render(
            request,
            "agent/contacts.html",
            viewer=who,
            section="contacts",
            contacts=rows,
            q=q or "",
            next_after=rows[-1].id if more and rows else None,
        )


@router.get("/contacts/{contact_id}", response_model=None)
def contact_page(request: Request, contact_id: int, who: AgentViewer) -> HTMLResponse:
    assert who.actor is not None
    fd = fd_of(request)
    with fd.reading() as tx:
        contact = contacts.get_contact(tx, contact_id)
        if contact.merged_into_id is not None:
            return redirect(f"/contacts/{contact.merged_into_id}")  # type: ignore[return-value]
        panel = customer_panel(tx, who.actor, contact.id, limit=50)
        orgs = list(tx.session.scalars(select(Organization).order_by(Organization.name)))
        return render(
            request,
            "agent/contact.html",
            viewer=who,
            section="contacts",
            panel=panel,
            contact=contact,
            organizations=orgs,
        )


@router.post("/contacts/{contact_id}", response_model=None)
def edit_contact(
    request: Request,
    contact_id: int,
    who: AgentViewer,
    name: Annotated[str, Form(max_length=200)] = "",
    language: Annotated[str, Form(max_length=16)] = "",
    time_zone: Annotated[str, Form(max_length=64)] = "",
    tier: Annotated[str, Form(max_length=32)] = "standard",
    organization_id: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    try:
        org = int(organization_id) if organization_id else None
    except ValueError:
        raise Invalid("organization_id", "must be an id") from None
    fields = {
        "name": name.strip(),
        "language": language or None,
        "time_zone": time_zone or None,
        "tier": tier or "standard",
        "organization_id": org,
        "notes": notes,
    }
    with fd_of(request).transaction() as tx:
        contacts.update_contact(tx, who.actor, contact_id, fields)
    return hx_redirect(request, f"/contacts/{contact_id}")


@router.post("/contacts/{contact_id}/merge", response_model=None)
def merge_contact(
    request: Request,
    contact_id: int,
    who: AgentViewer,
    other_id: Annotated[int, Form()],
) -> HTMLResponse | RedirectResponse:
    """Fold another contact into this one: its identities and tickets move here."""
    assert who.actor is not None
    with fd_of(request).transaction() as tx:
        contacts.merge_contacts(tx, who.actor, contact_id, other_id)
    return hx_redirect(request, f"/contacts/{contact_id}")


@router.get("/organizations", response_model=None)
def organization_list(request: Request, who: AgentViewer) -> HTMLResponse:
    with fd_of(request).read() as session:
        return render(
            request,
            "agent/organizations.html",
            viewer=who,
            section="contacts",
            organizations=list(session.scalars(select(Organization).order_by(Organization.name))),
        )


@router.post("/organizations", response_model=None)
def add_organization(
    request: Request,
    who: AgentViewer,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    tier: Annotated[str, Form(max_length=32)] = "standard",
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    with fd_of(request).transaction() as tx:
        contacts.create_organization(
            tx, who.actor, {"name": name.strip(), "tier": tier.strip() or "standard"}
        )
    return hx_redirect(request, "/organizations")


@router.post("/organizations/{org_id}", response_model=None)
def edit_organization(
    request: Request,
    org_id: int,
    who: AgentViewer,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    tier: Annotated[str, Form(max_length=32)] = "standard",
    notes: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    fields = {"name": name.strip(), "tier": tier.strip() or "standard", "notes": notes}
    with fd_of(request).transaction() as tx:
        contacts.update_organization(tx, who.actor, org_id, fields)
    return hx_redirect(request, "/organizations")
