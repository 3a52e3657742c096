"""Email: where each message's original is kept, small ones beside their message

Revision ID: 0011_message_originals
Revises: 0010_search_id_brin
Create Date: 2026-11-23 07:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_message_originals"
down_revision: str | None = "0010_search_id_brin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_originals",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_originals_message_id_messages"),
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_originals")),
    )
    # Mail stored before this table kept its original as a file named in the message's meta.
    raw_sha = (
        "json_extract(meta, '$.raw_sha256')"
        if op.get_bind().dialect.name == "sqlite"
        else "meta->>'raw_sha256'"
    )
    op.execute(
        "INSERT INTO message_originals (message_id, sha256, data) "  # noqa: S608 (our own SQL)
        f"SELECT id, {raw_sha}, NULL FROM messages WHERE {raw_sha} IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("message_originals")
