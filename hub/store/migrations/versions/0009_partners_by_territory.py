"""partners serve topics and territories; their address

A partner now serves several topics (partner_topics) in the territories it
covers (partner_territories); a kiosk lists, and rings, only the partners of its
territory. Existing partners keep their topic and serve every territory known
at upgrade time, as they did before. `partners.topic_id` stays as the partner's
first topic: dropping it would rebuild, under SQLite, the table its advisers
point at.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_topics",
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("topic_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"]),
        sa.PrimaryKeyConstraint("partner_id", "topic_id"),
    )
    op.create_table(
        "partner_territories",
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("territory_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["territory_id"], ["territories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("partner_id", "territory_id"),
    )
    op.create_index("ix_partner_territories_territory", "partner_territories", ["territory_id"])
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("address", sa.String(200), nullable=False, server_default=""))
    op.execute(
        "INSERT INTO partner_topics (partner_id, topic_id) SELECT id, topic_id FROM partners"
    )
    op.execute(
        "INSERT INTO partner_territories (partner_id, territory_id) "
        "SELECT partners.id, territories.id FROM partners CROSS JOIN territories"
    )


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("address")
    op.drop_index("ix_partner_territories_territory", table_name="partner_territories")
    op.drop_table("partner_territories")
    op.drop_table("partner_topics")
