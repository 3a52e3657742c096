"""Knowledge base: files on articles, and the portal's suggestion events (deflection);
PostgreSQL's search index is rebuilt with word pairs for phrases

Revision ID: 0008_kb_files_deflection
Revises: 0007_settings_satisfaction
Create Date: 2026-11-22 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision: str = "0008_kb_files_deflection"
down_revision: str | None = "0007_settings_satisfaction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_files_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_agent_id"],
            ["agents.id"],
            name=op.f("fk_kb_files_uploaded_by_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_files")),
    )
    with op.batch_alter_table("kb_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_files_article_id"), ["article_id"], unique=False)

    op.create_table(
        "kb_suggestion_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_suggestion_events_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_suggestion_events")),
    )
    with op.batch_alter_table("kb_suggestion_events", schema=None) as batch_op:
        batch_op.create_index("ix_kb_suggestion_events_created", ["created_at"], unique=False)
        batch_op.create_index("ix_kb_suggestion_events_visit", ["visit", "kind"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # Phrases are now found through word-pair lexemes (search/backends.py), which
        # documents indexed before lack: the background indexer builds the index again.
        op.execute("DELETE FROM search_documents")
        op.execute("DELETE FROM search_state")


def downgrade() -> None:
    with op.batch_alter_table("kb_suggestion_events", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_suggestion_events_visit")
        batch_op.drop_index("ix_kb_suggestion_events_created")
    op.drop_table("kb_suggestion_events")
    with op.batch_alter_table("kb_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_files_article_id"))
    op.drop_table("kb_files")
