"""Content editors' publications and roll-backs (issue 20).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rollback_of", sa.Integer(), sa.ForeignKey("publications.id"), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("active_slot", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("files_before", sa.Text(), nullable=False),
        sa.Column("files_after", sa.Text(), nullable=False),
        sa.Column("model_file", sa.String(500), nullable=False),
        sa.Column("previous_model_file", sa.String(500), nullable=False),
        sa.Column("training", sa.String(16), nullable=False),
        sa.Column("timings", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.UniqueConstraint("active_slot", name="uq_publications_active_slot"),
    )
    op.create_index("ix_publications_status", "publications", ["status"])


def downgrade() -> None:
    op.drop_index("ix_publications_status", table_name="publications")
    op.drop_table("publications")
