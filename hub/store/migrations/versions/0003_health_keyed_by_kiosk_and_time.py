"""health keyed by (kiosk, time), one B-tree per insert

Health samples are transient telemetry (kept days), so the table is rebuilt
empty rather than copied.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("health")
    op.create_table(
        "health",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("cpu_temp_c", sa.Float(), nullable=True),
        sa.Column("load1", sa.Float(), nullable=True),
        sa.Column("mem_used_pct", sa.Float(), nullable=True),
        sa.Column("disk_used_pct", sa.Float(), nullable=True),
        sa.Column("printer", sa.String(length=16), nullable=True),
        sa.Column("ui", sa.String(length=8), nullable=True),
        sa.Column("outbox_pending", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("kiosk_id", "ts"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("health")
    op.create_table(
        "health",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("cpu_temp_c", sa.Float(), nullable=True),
        sa.Column("load1", sa.Float(), nullable=True),
        sa.Column("mem_used_pct", sa.Float(), nullable=True),
        sa.Column("disk_used_pct", sa.Float(), nullable=True),
        sa.Column("printer", sa.String(length=16), nullable=True),
        sa.Column("ui", sa.String(length=8), nullable=True),
        sa.Column("outbox_pending", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_health_kiosk_ts", "health", ["kiosk_id", "ts"])
    op.create_index("ix_health_ts", "health", ["ts"])
