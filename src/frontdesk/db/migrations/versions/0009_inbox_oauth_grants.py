"""Email inboxes: the shared state of each inbox's OAuth2 grant (XOAUTH2)

Revision ID: 0009_inbox_oauth_grants
Revises: 0008_kb_files_deflection
Create Date: 2026-11-22 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision: str = "0009_inbox_oauth_grants"
down_revision: str | None = "0008_kb_files_deflection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_oauth_grants",
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("credentials_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("expires_at", frontdesk.db.base.UTCDateTime(), nullable=True),
        sa.Column("refreshing_until", frontdesk.db.base.UTCDateTime(), nullable=True),
        sa.Column("refused_at", frontdesk.db.base.UTCDateTime(), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_oauth_grants_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inbox_id", name=op.f("pk_inbox_oauth_grants")),
    )


def downgrade() -> None:
    op.drop_table("inbox_oauth_grants")
