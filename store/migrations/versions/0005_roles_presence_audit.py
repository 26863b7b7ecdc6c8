"""Agents' roles and presence, hand-off waiting updates, and the supervisors' audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents") as table:
        table.add_column(sa.Column("roles", sa.String(64), nullable=False,
                                   server_default="agent"))
        table.add_column(sa.Column("last_seen_at", WHEN, nullable=True))
        table.add_column(sa.Column("away", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("handoffs") as table:
        table.add_column(sa.Column("update_sent_at", WHEN, nullable=True))
        table.add_column(sa.Column("position_told", sa.Integer(), nullable=True))
        table.add_column(sa.Column("agent_typing_at", WHEN, nullable=True))
        table.add_column(sa.Column("returned_at", WHEN, nullable=True))
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", WHEN, nullable=False, index=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("detail", sa.String(255), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("audit_records")
    with op.batch_alter_table("handoffs") as table:
        table.drop_column("returned_at")
        table.drop_column("agent_typing_at")
        table.drop_column("position_told")
        table.drop_column("update_sent_at")
    with op.batch_alter_table("agents") as table:
        table.drop_column("away")
        table.drop_column("last_seen_at")
        table.drop_column("roles")
