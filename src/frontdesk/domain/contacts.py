"""Contacts, their identities and organizations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.rows import first_object, get_row, insert_row, table_of, write
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.identities import normalize_identity
from frontdesk.domain.tx import Tx
from frontdesk.models import Contact, ContactIdentity, Message, Organization, Ticket

CONTACT_FIELDS = (
    "name",
    "language",
    "time_zone",
    "organization_id",
    "tier",
    "lifetime_value",
    "notes",
)


@dataclass(frozen=True)
class IdentityRef:
    kind: str
    address: str
    name: str = ""


def get_contact(tx: Tx, contact_id: int) -> Contact:
    contact = get_row(tx.session, Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    return contact


def search_contacts(
    session: Session,
    q: str | None,
    *,
    organization: int | None = None,
    limit: int = 25,
    after: int | None = None,
) -> tuple[list[Contact], bool]:
    """Contacts whose name or one of whose addresses contains `q`, by id; returns a page
    and whether more follow."""
    query = select(Contact).where(Contact.merged_into_id.is_(None))
    if q:
        query = query.where(
            or_(
                Contact.name.icontains(q, autoescape=True),
                Contact.id.in_(
                    select(ContactIdentity.contact_id).where(
                        ContactIdentity.address.icontains(q, autoescape=True)
                    )
                ),
            )
        )
    if organization is not None:
        query = query.where(Contact.organization_id == organization)
    if after is not None:
        query = query.where(Contact.id > after)
    rows = list(session.scalars(query.order_by(Contact.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def find_by_identity(tx: Tx, kind: str, address: str) -> Contact | None:
    kind, address = normalize_identity(kind, address)
    return first_object(tx.session, Contact, _BY_IDENTITY, {"kind": kind, "address": address})


def resolve_sender(tx: Tx, ref: IdentityRef) -> tuple[Contact, bool]:
    """The contact behind an identity, created on first contact. Returns (contact, created).

    Safe under concurrency: the identity is claimed with INSERT ... ON CONFLICT DO NOTHING,
    so if another transaction added it since we looked, its contact wins and ours is removed.
    """
    kind, address = normalize_identity(ref.kind, ref.address)
    existing = find_by_identity(tx, kind, address)
    if existing is not None:
        if not existing.name and ref.name:
            existing.name = ref.name
        return existing, False
    now = tx.now()
    contact = insert_row(tx.session, Contact, name=ref.name, created_at=now, updated_at=now)
    connection = tx.session.connection()
    claimed = write(
        tx.session,
        _claim_identity(connection.dialect.name),
        {"contact_id": contact.id, "kind": kind, "address": address, "created_at": now},
    ).fetchone()
    if claimed is not None:
        return contact, True
    connection.execute(delete(_CONTACTS).where(_CONTACTS.c.id == contact.id))
    tx.session.expunge(contact)
    winner = find_by_identity(tx, kind, address)
    if winner is None:  # the other transaction's identity is gone again: not worth a retry
        raise Conflict(f"{kind} {address} changed hands; send the message again")
    return winner, False


_CONTACTS = table_of(Contact)
_IDENTITIES = table_of(ContactIdentity)
_BY_IDENTITY = (
    select(_CONTACTS)
    .join(_IDENTITIES, _IDENTITIES.c.contact_id == _CONTACTS.c.id)
    .where(_IDENTITIES.c.kind == bindparam("kind"), _IDENTITIES.c.address == bindparam("address"))
)


@cache
def _claim_identity(dialect: str) -> Insert:
    dialect_insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return (
        dialect_insert(_IDENTITIES)
        .on_conflict_do_nothing(index_elements=["kind", "address"])
        .returning(_IDENTITIES.c.id)
    )


def create_contact(
    tx: Tx, actor: Actor, fields: dict[str, Any], identities: list[IdentityRef]
) -> Contact:
    actor.require_agent("admin", "agent")
    now = tx.now()
    contact = Contact(created_at=now, updated_at=now)
    _apply_fields(tx, contact, fields)
    tx.session.add(contact)
    tx.session.flush()
    for ref in identities:
        _attach_identity(tx, contact, ref)
    tx.audit(actor, "contact.created", "contact", contact.id, _snapshot(contact))
    tx.emit("contact.created", contact_id=contact.id)
    return contact


def update_contact(tx: Tx, actor: Actor, contact_id: int, fields: dict[str, Any]) -> Contact:
    actor.require_agent("admin", "agent")
    contact = get_contact(tx, contact_id)
    before = _snapshot(contact)
    _apply_fields(tx, contact, fields)
    after = _snapshot(contact)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        contact.updated_at = tx.now()
        tx.audit(actor, "contact.updated", "contact", contact.id, changes)
        tx.emit("contact.updated", contact_id=contact.id)
    return contact


def add_identity(tx: Tx, actor: Actor, contact_id: int, ref: IdentityRef) -> ContactIdentity:
    actor.require_agent("admin", "agent")
    contact = get_contact(tx, contact_id)
    identity = _attach_identity(tx, contact, ref)
    tx.audit(
        actor,
        "contact.identity_added",
        "contact",
        contact.id,
        {"identity": [None, f"{identity.kind}:{identity.address}"]},
    )
    return identity


def remove_identity(tx: Tx, actor: Actor, contact_id: int, identity_id: int) -> None:
    actor.require_agent("admin", "agent")
    identity = tx.session.get(ContactIdentity, identity_id)
    if identity is None or identity.contact_id != contact_id:
        raise NotFound(f"identity {identity_id} not found")
    tx.session.delete(identity)
    tx.audit(
        actor,
        "contact.identity_removed",
        "contact",
        contact_id,
        {"identity": [f"{identity.kind}:{identity.address}", None]},
    )


def merge_contacts(tx: Tx, actor: Actor, survivor_id: int, merged_id: int) -> Contact:
    """Fold `merged_id` into `survivor_id`: identities, tickets and messages move over,
    empty fields are filled from the merged contact, which then points to the survivor."""
    actor.require_agent("admin", "agent")
    if survivor_id == merged_id:
        raise Invalid("other_id", "cannot merge a contact into itself")
    survivor = get_contact(tx, survivor_id)
    merged = get_contact(tx, merged_id)
    if survivor.merged_into_id or merged.merged_into_id:
        raise Conflict("one of these contacts was already merged into another")
    session = tx.session
    moved_identities = [f"{i.kind}:{i.address}" for i in merged.identities]
    session.execute(
        update(ContactIdentity)
        .where(ContactIdentity.contact_id == merged.id)
        .values(contact_id=survivor.id)
    )
    ticket_ids = list(session.scalars(select(Ticket.id).where(Ticket.contact_id == merged.id)))
    session.execute(
        update(Ticket).where(Ticket.contact_id == merged.id).values(contact_id=survivor.id)
    )
    session.execute(
        update(Message)
        .where(Message.author_contact_id == merged.id)
        .values(author_contact_id=survivor.id)
    )
    for name in ("name", "language", "time_zone", "organization_id"):
        if not getattr(survivor, name) and getattr(merged, name):
            setattr(survivor, name, getattr(merged, name))
    survivor.lifetime_value += merged.lifetime_value
    if merged.notes:
        survivor.notes = f"{survivor.notes}\n\n{merged.notes}".strip()
    merged.merged_into_id = survivor.id
    survivor.updated_at = merged.updated_at = tx.now()
    session.expire(survivor, ["identities"])
    tx.audit(
        actor,
        "contact.merged",
        "contact",
        survivor.id,
        {
            "merged_contact": [None, merged.id],
            "identities": [None, moved_identities],
            "tickets": [None, ticket_ids],
        },
    )
    tx.audit(
        actor, "contact.merged_into", "contact", merged.id, {"merged_into": [None, survivor.id]}
    )
    for ticket_id in ticket_ids:  # each moved ticket's own trail shows its new contact
        tx.audit(
            actor,
            "ticket.updated",
            "ticket",
            ticket_id,
            {"contact_id": [merged.id, survivor.id]},
            ticket=ticket_id,
        )
    tx.emit("contact.merged", contact_id=survivor.id, merged_contact_id=merged.id)
    return survivor


def create_organization(tx: Tx, actor: Actor, fields: dict[str, Any]) -> Organization:
    actor.require_agent("admin", "agent")
    org = Organization(created_at=tx.now(), **fields)
    try:
        with tx.session.begin_nested():
            tx.session.add(org)
    except IntegrityError:
        raise Conflict(f"an organization named {fields.get('name')!r} exists") from None
    tx.audit(actor, "organization.created", "organization", org.id, dict(fields))
    return org


def update_organization(tx: Tx, actor: Actor, org_id: int, fields: dict[str, Any]) -> Organization:
    actor.require_agent("admin", "agent")
    org = tx.session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"organization {org_id} not found")
    changes = {k: [getattr(org, k), v] for k, v in fields.items() if getattr(org, k) != v}
    for key, value in fields.items():
        setattr(org, key, value)
    try:
        tx.session.flush()
    except IntegrityError:
        raise Conflict(f"an organization named {fields.get('name')!r} exists") from None
    if changes:
        tx.audit(actor, "organization.updated", "organization", org.id, changes)
    return org


def _attach_identity(tx: Tx, contact: Contact, ref: IdentityRef) -> ContactIdentity:
    kind, address = normalize_identity(ref.kind, ref.address)
    identity = ContactIdentity(
        contact_id=contact.id, kind=kind, address=address, created_at=tx.now()
    )
    try:
        with tx.session.begin_nested():
            tx.session.add(identity)
    except IntegrityError:
        raise Conflict(f"{kind} {address} already belongs to a contact") from None
    tx.session.expire(contact, ["identities"])
    return identity


def _apply_fields(tx: Tx, contact: Contact, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise Invalid(sorted(unknown)[0], "is not a contact field")
    org_id = fields.get("organization_id")
    if org_id is not None and tx.session.get(Organization, org_id) is None:
        raise Invalid("organization_id", f"organization {org_id} does not exist")
    for key, value in fields.items():
        setattr(contact, key, value)


def _snapshot(contact: Contact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in CONTACT_FIELDS}
