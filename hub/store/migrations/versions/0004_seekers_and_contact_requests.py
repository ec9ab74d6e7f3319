"""job seekers, seeker references, contact requests, partners' opening schedule

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column("opening", sa.String(length=200), server_default="", nullable=False)
        )
    op.create_table(
        "seekers",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("failed_pins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "seeker_refs",
        sa.Column("ref_hash", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["seekers.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ref_hash"),
    )
    op.create_index("ix_seeker_refs_expires", "seeker_refs", ["expires_at"])
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("first_name", sa.String(length=40), nullable=True),
        sa.Column("commune", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("seeker_code", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("handled_at", sa.Float(), nullable=True),
        sa.Column("handled_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_requests_open", "contact_requests", ["handled_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_contact_requests_open", table_name="contact_requests")
    op.drop_table("contact_requests")
    op.drop_index("ix_seeker_refs_expires", table_name="seeker_refs")
    op.drop_table("seeker_refs")
    op.drop_table("seekers")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("opening")
