"""Reading time stored with the article, and list indexes that keep deep pages cheap (ADR 0022).

Revision ID: 7a6536b42aab
Revises: 6c4e2a9d1f37

Existing rows get their reading time from their body here (200 words a minute, at least one,
as webapp.articles.service.reading_minutes), in batches so a big table never sits in memory.
"""

import math

import sqlalchemy as sa
from alembic import op

revision = "7a6536b42aab"
down_revision = "6c4e2a9d1f37"
branch_labels = None
depends_on = None

WORDS_PER_MINUTE = 200
BATCH = 1000

articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("reading_minutes", sa.Integer),
    sa.column("draft", sa.Boolean),
    sa.column("deleted_at", sa.DateTime(timezone=True)),
)
PUBLISHED = sa.and_(articles.c.draft == sa.false(), articles.c.deleted_at.is_(None))


def upgrade():
    op.add_column(
        "articles",
        sa.Column("reading_minutes", sa.Integer(), server_default="1", nullable=False),
    )
    _fill_reading_minutes()
    op.drop_index("ix_articles_draft_created_at_id", table_name="articles")
    op.create_index(
        "ix_articles_published_created_at_id",
        "articles",
        ["created_at", "id"],
        postgresql_where=PUBLISHED,
        sqlite_where=PUBLISHED,
    )
    op.drop_index("ix_articles_author_id_draft_created_at", table_name="articles")
    op.create_index(
        "ix_articles_author_id_draft_deleted_at_created_at",
        "articles",
        ["author_id", "draft", "deleted_at", "created_at", "id"],
    )


def downgrade():
    op.drop_index("ix_articles_author_id_draft_deleted_at_created_at", table_name="articles")
    op.create_index(
        "ix_articles_author_id_draft_created_at", "articles", ["author_id", "draft", "created_at"]
    )
    op.drop_index("ix_articles_published_created_at_id", table_name="articles")
    op.create_index("ix_articles_draft_created_at_id", "articles", ["draft", "created_at", "id"])
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column("reading_minutes")


def _fill_reading_minutes():
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(articles.c.id, articles.c.body)
            .where(articles.c.id > last_id)
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.update(articles)
            .where(articles.c.id == sa.bindparam("article_id"))
            .values(reading_minutes=sa.bindparam("minutes")),
            [
                {
                    "article_id": row.id,
                    "minutes": max(1, math.ceil(len(row.body.split()) / WORDS_PER_MINUTE)),
                }
                for row in rows
            ],
        )
        last_id = rows[-1].id
