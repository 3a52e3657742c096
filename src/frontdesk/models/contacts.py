"""Customers: who they are, which organization they belong to, how they reach us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontdesk.db.base import Base


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    tier: Mapped[str] = mapped_column(String(32), default="standard")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Contact(Base):
    __tablename__ = "contacts"
    # The search indexer picks up contacts changed since it last looked.
    __table_args__ = (Index("ix_contacts_updated", "updated_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    tier: Mapped[str] = mapped_column(String(32), default="standard")
    lifetime_value: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    # A merged contact stays as a pointer to the one it became, so old links still resolve.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    # When the customer last signed in to the portal; older sign-in links stop working.
    portal_signed_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    identities: Mapped[list[ContactIdentity]] = relationship(
        back_populates="contact", order_by="ContactIdentity.id", lazy="selectin"
    )


class ContactIdentity(Base):
    """One address of a contact on one kind of channel: an email, a phone, a chat visitor id."""

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    # Set when mail to this address bounced for good; cleared when the customer writes.
    bounced_at: Mapped[datetime | None]
    bounce_reason: Mapped[str | None] = mapped_column(String(500))

    contact: Mapped[Contact] = relationship(back_populates="identities")
