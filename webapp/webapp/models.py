"""Articles, their tags, comments and favorites; the copies of their authors' profiles; the
Idempotency-Keys of creating POSTs; and browser sessions. Accounts are owned by auth_service, so
no foreign key points at an author: an article may be read before its author's copy has
arrived."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from titanium_common.idempotency import IdempotencyRecord
from webapp.clock import now_ms
from webapp.extensions import db


def account_uuid(account_id: str | uuid.UUID) -> uuid.UUID:
    """Account ids arrive as strings (headers, user_service JSON) and are stored as UUIDs."""
    return account_id if isinstance(account_id, uuid.UUID) else uuid.UUID(str(account_id))


article_tags = sa.Table(
    "article_tags",
    db.metadata,
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    # The primary key (tag first) answers "articles with this tag"; this one "tags of these".
    sa.Index("ix_article_tags_article_id", "article_id"),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255), unique=True)


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        # An author's articles (profile page, author= filter, drafts, trash) and the feed
        # (author_id IN ...), in list order: a page's ids and their count come from the index
        # alone (deleted_at IS NULL is an index condition too).
        sa.Index(
            "ix_articles_author_id_draft_deleted_at_created_at",
            "author_id",
            "draft",
            "deleted_at",
            "created_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(255), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    # Of the body, stored when it is written, so that previews never read the body.
    reading_minutes: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    author_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    # A draft is visible only to its author and never listed.
    draft: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Kept in step with the favorites rows in the same transaction, so lists need no COUNT.
    favorites_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)
    # In the author's trash since then (ADR 0017): invisible everywhere, restorable until the
    # purge deletes it. Indexed: the purge finds the old ones by it.
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)

    # Loaded when an article row is used (reading one, writing); lists read tags in one query.
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)


# What every list shows: not a draft, not in the trash. The same expression in the queries and
# in the partial index below, so PostgreSQL knows the index answers them.
PUBLISHED = sa.and_(Article.draft == sa.false(), Article.deleted_at.is_(None))

# Every published listing is "newest first, newer insertion first on a tie": a page's ids come
# from this index alone (index-only), however deep the page, and so does their count.
sa.Index(
    "ix_articles_published_created_at_id",
    Article.created_at,
    Article.id,
    postgresql_where=PUBLISHED,
    sqlite_where=PUBLISHED,
)


class ArticleSlug(db.Model):
    """A slug a published article had before it was retitled: links to it answer 301 to the
    article's current URL, and no other article may take it (ADR 0021)."""

    __tablename__ = "article_slugs"

    slug: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)


class PendingRevision(db.Model):
    """Autosaved edits of a published article (ADR 0017): kept for its author only until
    Publish applies them or the author discards them. Readers and the API never see them."""

    __tablename__ = "pending_revisions"

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    tags: Mapped[list[str]] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_article_id_id", "article_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)


class Favorite(db.Model):
    """user_id favorited article_id. The key (user first) answers "favorited by this user"."""

    __tablename__ = "favorites"
    __table_args__ = (sa.Index("ix_favorites_article_id", "article_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)


class Author(db.Model):
    """A copy of an account's public profile, kept here so that pages and replies never wait for
    user_service: delivered by auth_service's outbox (PUT /internal/authors/<id>, newer versions
    only), or read through user_service when an author is not here yet (ADR 0012)."""

    __tablename__ = "authors"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    # Not unique: a rename and the rename of the name's next holder may arrive in either order.
    username: Mapped[str] = mapped_column(sa.String(255), index=True)
    bio: Mapped[str | None] = mapped_column(sa.Text)
    image: Mapped[str | None] = mapped_column(sa.Text)
    # auth_service's profile version (0: from a source that did not say; any snapshot replaces it).
    version: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)


class IdempotencyKey(IdempotencyRecord, db.Model):
    """Replies of creating POSTs by caller and Idempotency-Key (titanium_common.idempotency)."""

    __tablename__ = "idempotency_keys"


class WebSession(db.Model):
    """A signed-in browser: webapp.sessions. Deleting the row signs its cookie out."""

    __tablename__ = "web_sessions"

    # SHA-256 of the session id the cookie holds: the table alone lets nobody in.
    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    # The account's token version at sign-in (auth_service); below its minimum, signed out.
    token_version: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now_ms)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
