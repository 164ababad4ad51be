"""articles' trash (deleted_at) and published articles' pending revisions (ADR 0017)

Revision ID: 5d1c7a9e2b30
Revises: 3b7d2e9c41a6
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

revision = "5d1c7a9e2b30"
down_revision = "3b7d2e9c41a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_articles_deleted_at", ["deleted_at"])
    op.create_table(
        "pending_revisions",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )


def downgrade():
    op.drop_table("pending_revisions")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_deleted_at")
        batch.drop_column("deleted_at")
