"""adviser profiles and topics, call records

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adviser_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "adviser_topics",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["adviser_profiles.user_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"]),
        sa.PrimaryKeyConstraint("user_id", "topic_id"),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("adviser_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.Float(), nullable=False),
        sa.Column("rang_at", sa.Float(), nullable=True),
        sa.Column("answered_at", sa.Float(), nullable=True),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("audio_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("quality_samples", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rtt_median_ms", sa.Float(), nullable=True),
        sa.Column("loss_max_pct", sa.Float(), nullable=True),
        sa.Column("bitrate_mean_kbps", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["adviser_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_calls_requested_at", "calls", ["requested_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_requested_at", table_name="calls")
    op.drop_table("calls")
    op.drop_table("adviser_topics")
    op.drop_table("adviser_profiles")
