"""Email channel: ticket tokens, participants, quoted text, bounces

Revision ID: 0002_email_channel
Revises: 0001_initial_schema
Create Date: 2026-11-22 15:42:01.303569
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision: str = "0002_email_channel"
down_revision: str | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_participants",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_ticket_participants_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_participants_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "contact_id", name=op.f("pk_ticket_participants")),
    )
    with op.batch_alter_table("ticket_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_participants_contact_id"), ["contact_id"], unique=False
        )

    with op.batch_alter_table("contact_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bounced_at", frontdesk.db.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("bounce_reason", sa.String(length=500), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quoted_text", sa.Text(), nullable=True))
        # Existing rows get the defaults; new rows are always written with values.
        batch_op.add_column(
            sa.Column("is_auto", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("meta", frontdesk.db.base.JSONType, nullable=False, server_default="{}")
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("is_auto", server_default=None)
        batch_op.alter_column("meta", server_default=None)

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("token", sa.String))
    ids = connection.execute(sa.select(tickets.c.id)).scalars().all()
    for ticket_id in ids:
        connection.execute(
            tickets.update().where(tickets.c.id == ticket_id).values(token=secrets.token_hex(10))
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column("token", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_tickets_token"), ["token"])


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tickets_token"), type_="unique")
        batch_op.drop_column("token")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("meta")
        batch_op.drop_column("is_auto")
        batch_op.drop_column("quoted_text")

    with op.batch_alter_table("contact_identities", schema=None) as batch_op:
        batch_op.drop_column("bounce_reason")
        batch_op.drop_column("bounced_at")

    with op.batch_alter_table("ticket_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_participants_contact_id"))

    op.drop_table("ticket_participants")
