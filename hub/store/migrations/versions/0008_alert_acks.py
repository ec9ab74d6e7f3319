"""alerts: acknowledged by someone from ops, with a note

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acked_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("acked_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("ack_note", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("ack_note")
        batch.drop_column("acked_by")
        batch.drop_column("acked_at")
