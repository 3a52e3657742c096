"""PostgreSQL search: a BRIN index on search_documents.id, for looking among the newest
documents first

Revision ID: 0010_search_id_brin
Revises: 0009_inbox_oauth_grants
Create Date: 2026-11-23 04:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_search_id_brin"
down_revision: str | None = "0009_inbox_oauth_grants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Rows are written in id order, so each range of pages holds a narrow range of ids:
    # `id > n` then costs a few index pages, where the primary key would list every row.
    op.execute(
        "CREATE INDEX ix_search_documents_id_brin ON search_documents "
        "USING brin (id) WITH (autosummarize = on)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_documents_id_brin")
