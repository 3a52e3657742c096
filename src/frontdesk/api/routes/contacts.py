"""Contacts and organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from frontdesk.api.deps import FD, AnyAgent, FullAgent
from frontdesk.api.schemas import (
    ContactCreate,
    ContactFields,
    ContactOut,
    IdentityIn,
    IdentityOut,
    MergeIn,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    Page,
    TicketOut,
)
from frontdesk.domain import contacts
from frontdesk.domain.contacts import IdentityRef
from frontdesk.domain.errors import NotFound
from frontdesk.domain.ticket_list import TicketFilter, list_tickets
from frontdesk.models import Contact, Organization

router = APIRouter(tags=["contacts"])


@router.get("/contacts", response_model=Page[ContactOut])
def list_contacts(
    actor: AnyAgent,
    fd: FD,
    q: Annotated[str | None, Query(max_length=200, description="name or address contains")] = None,
    organization: int | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[int | None, Query(description="the id to continue after")] = None,
) -> Page[ContactOut]:
    with fd.read() as session:
        rows, more = contacts.search_contacts(
            session, q, organization=organization, limit=limit, after=cursor
        )
        return Page[ContactOut](
            items=[ContactOut.of(c) for c in rows],
            next_cursor=str(rows[-1].id) if more else None,
        )


@router.post("/contacts", status_code=201, response_model=ContactOut)
def create_contact(body: ContactCreate, actor: FullAgent, fd: FD) -> ContactOut:
    fields = body.model_dump(exclude_unset=True, exclude={"identities"})
    identities = [IdentityRef(i.kind, i.address) for i in body.identities]
    with fd.transaction() as tx:
        return ContactOut.of(contacts.create_contact(tx, actor, fields, identities))


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def get_contact(contact_id: int, actor: AnyAgent, fd: FD) -> ContactOut:
    with fd.reading() as tx:
        return ContactOut.of(contacts.get_contact(tx, contact_id))


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
def update_contact(contact_id: int, body: ContactFields, actor: FullAgent, fd: FD) -> ContactOut:
    with fd.transaction() as tx:
        contact = contacts.update_contact(
            tx, actor, contact_id, body.model_dump(exclude_unset=True)
        )
        return ContactOut.of(contact)


@router.post("/contacts/{contact_id}/identities", status_code=201, response_model=IdentityOut)
def add_identity(contact_id: int, body: IdentityIn, actor: FullAgent, fd: FD) -> IdentityOut:
    with fd.transaction() as tx:
        identity = contacts.add_identity(
            tx, actor, contact_id, IdentityRef(body.kind, body.address)
        )
        return IdentityOut.model_validate(identity)


@router.delete("/contacts/{contact_id}/identities/{identity_id}", status_code=204)
def remove_identity(contact_id: int, identity_id: int, actor: FullAgent, fd: FD) -> Response:
    with fd.transaction() as tx:
        contacts.remove_identity(tx, actor, contact_id, identity_id)
    return Response(status_code=204)


@router.post("/contacts/{contact_id}/merge", response_model=ContactOut)
def merge(contact_id: int, body: MergeIn, actor: FullAgent, fd: FD) -> ContactOut:
    """Fold another contact into this one: its identities and tickets move here."""
    with fd.transaction() as tx:
        return ContactOut.of(contacts.merge_contacts(tx, actor, contact_id, body.other_id))


@router.get("/contacts/{contact_id}/tickets", response_model=Page[TicketOut])
def contact_tickets(
    contact_id: int,
    actor: AnyAgent,
    fd: FD,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[TicketOut]:
    with fd.read() as session:
        if session.get(Contact, contact_id) is None:
            raise NotFound(f"contact {contact_id} not found")
        rows, next_cursor = list_tickets(
            session,
            actor,
            TicketFilter(contact_id=contact_id),
            sort="-id",
            limit=limit,
            cursor=cursor,
        )
        return Page[TicketOut](items=[TicketOut.of(t) for t in rows], next_cursor=next_cursor)


@router.get("/organizations", response_model=list[OrganizationOut])
def list_organizations(actor: AnyAgent, fd: FD) -> list[OrganizationOut]:
    with fd.read() as session:
        rows = session.scalars(select(Organization).order_by(Organization.name))
        return [OrganizationOut.of(o) for o in rows]


@router.post("/organizations", status_code=201, response_model=OrganizationOut)
def create_organization(body: OrganizationIn, actor: FullAgent, fd: FD) -> OrganizationOut:
    with fd.transaction() as tx:
        return OrganizationOut.of(contacts.create_organization(tx, actor, body.model_dump()))


@router.get("/organizations/{org_id}", response_model=OrganizationOut)
def get_organization(org_id: int, actor: AnyAgent, fd: FD) -> OrganizationOut:
    with fd.read() as session:
        org = session.get(Organization, org_id)
        if org is None:
            raise NotFound(f"organization {org_id} not found")
        return OrganizationOut.of(org)


@router.patch("/organizations/{org_id}", response_model=OrganizationOut)
def update_organization(
    org_id: int, body: OrganizationPatch, actor: FullAgent, fd: FD
) -> OrganizationOut:
    with fd.transaction() as tx:
        org = contacts.update_organization(tx, actor, org_id, body.model_dump(exclude_unset=True))
        return OrganizationOut.of(org)
