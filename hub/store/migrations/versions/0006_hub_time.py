"""hub time: events keep the kiosk's reported time, kiosks their measured clock skew;
kiosks: when two devices were last seen under one id

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("kiosk_ts", sa.Float(), nullable=True))
    op.create_index("ix_events_received_at", "events", ["received_at"])
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("clock_skew_s", sa.Float(), nullable=True))
        batch.add_column(sa.Column("clone_seen_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("clone_seen_at")
        batch.drop_column("clock_skew_s")
    op.drop_index("ix_events_received_at", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("kiosk_ts")
