"""Article slug history: the slugs a published article had before it was retitled.

Revision ID: 6c4e2a9d1f37
Revises: 5d1c7a9e2b30
"""

import sqlalchemy as sa
from alembic import op

revision = "6c4e2a9d1f37"
down_revision = "5d1c7a9e2b30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "article_slugs",
        sa.Column("slug", sa.String(length=255), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_article_slugs_article_id", "article_slugs", ["article_id"])


def downgrade():
    op.drop_index("ix_article_slugs_article_id", table_name="article_slugs")
    op.drop_table("article_slugs")
