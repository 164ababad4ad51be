"""Tag names normalised (ADR 0029): tags that become equal are merged into one.

Revision ID: 87dfa8bbb33b
Revises: 7a6536b42aab

"My New Tag", "my new tag" and "my-new-tag" become the one tag "my-new-tag": the tag already
spelled that way is kept (else the oldest), the others' articles are moved to it (an article
that had several of them keeps one link) and they are deleted. The rule is a copy of
webapp.tags.names.normalized as it was written here, so this migration never changes meaning
with the app. Only tags whose name changes are touched; the tags table is small (one row per
distinct name). Pending revisions keep their tags as typed: publishing normalises them.

Not undone by a downgrade: the old spellings are gone, and the normalised ones are valid names.
"""

import re
import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "87dfa8bbb33b"
down_revision = "7a6536b42aab"
branch_labels = None
depends_on = None

tags = sa.table("tags", sa.column("id", sa.Integer), sa.column("name", sa.String))
article_tags = sa.table(
    "article_tags", sa.column("tag_id", sa.Integer), sa.column("article_id", sa.Integer)
)

_SEPARATOR = re.compile(r"[\s-]*\s[\s-]*")


def normalized(name: str) -> str:
    return _SEPARATOR.sub("-", unicodedata.normalize("NFC", name).strip().lower())


def upgrade():
    connection = op.get_bind()
    groups = defaultdict(list)
    for tag_id, name in connection.execute(sa.select(tags.c.id, tags.c.name).order_by(tags.c.id)):
        groups[normalized(name)].append((tag_id, name))
    for name, members in groups.items():
        if all(old_name == name for _, old_name in members):
            continue  # one tag, already normalised
        keeper = next((tag_id for tag_id, old_name in members if old_name == name), None)
        if keeper is None:
            keeper = members[0][0]
        for tag_id, _ in members:
            if tag_id != keeper:
                _merge(connection, tag_id, into=keeper)
        if name:
            connection.execute(sa.update(tags).where(tags.c.id == keeper).values(name=name))
        else:  # a blank tag: nothing to call it by
            connection.execute(sa.delete(article_tags).where(article_tags.c.tag_id == keeper))
            connection.execute(sa.delete(tags).where(tags.c.id == keeper))


def _merge(connection, tag_id: int, *, into: int) -> None:
    """Move `tag_id`'s articles to `into` (those it has already stay once), then delete it."""
    already = sa.select(article_tags.c.article_id).where(article_tags.c.tag_id == into)
    connection.execute(
        sa.insert(article_tags).from_select(
            ["tag_id", "article_id"],
            sa.select(sa.literal(into, sa.Integer), article_tags.c.article_id).where(
                article_tags.c.tag_id == tag_id, article_tags.c.article_id.not_in(already)
            ),
        )
    )
    connection.execute(sa.delete(article_tags).where(article_tags.c.tag_id == tag_id))
    connection.execute(sa.delete(tags).where(tags.c.id == tag_id))


def downgrade():
    pass
