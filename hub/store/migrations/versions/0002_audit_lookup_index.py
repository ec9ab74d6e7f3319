"""audit lookup index (log-in rate limit reads failures by action and target)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_action_target_ts", "audit", ["action", "target", "ts"])


def downgrade() -> None:
    op.drop_index("ix_audit_action_target_ts", table_name="audit")
