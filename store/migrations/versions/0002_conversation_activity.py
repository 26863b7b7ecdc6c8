"""Conversation activity, for the inactivity rule (P3) and closed chats.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_activity",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("last_activity_at", WHEN, nullable=False),
        sa.Column("prompted_at", WHEN, nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("close_reason", sa.String(16), nullable=True),
    )
    op.create_index(
        "ix_conversation_activity_last_activity_at",
        "conversation_activity",
        ["last_activity_at"],
    )


def downgrade() -> None:
    op.drop_table("conversation_activity")
