"""Comments on articles: listing (oldest first), adding and deleting by their author.

Authors come from webapp's copies (webapp.authors); adding builds its reply before it commits
(webapp.writes), and `before_commit` receives that reply's CommentView.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from titanium_common.api import ApiError, FieldErrors
from webapp import authors, surrogate
from webapp.articles.service import visible_article
from webapp.clock import as_utc, iso_ms, now_ms
from webapp.extensions import db
from webapp.models import Comment, account_uuid
from webapp.profiles.client import Profile
from webapp.writes import committed

# Digits that fit a database integer.
_ID = re.compile(r"^[0-9]{1,9}$")
MAX_COMMENT_LENGTH = 5000


@dataclass(frozen=True)
class CommentView:
    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author: Profile

    def to_json(self) -> dict[str, Any]:
        """The RealWorld Comment."""
        return {
            "id": self.id,
            "body": self.body,
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "author": self.author.public(),
        }


def list_comments(slug: str, viewer_id, *, following: bool = True) -> list[CommentView]:
    """Oldest first; `following=False` leaves out whom the viewer follows (pages never show it)."""
    article = visible_article(slug, viewer_id)
    surrogate.shows(surrogate.comments_key(article.id))
    comments = db.session.scalars(
        sa.select(Comment).where(Comment.article_id == article.id).order_by(Comment.id)
    )
    return _views(list(comments), viewer_id if following else None)


def check_commentable(slug: str, author_id) -> None:
    """404 before the body is even read, as the contract's check order says."""
    visible_article(slug, author_id)


def add_comment(slug: str, author_id, body, *, before_commit=None) -> CommentView:
    article = visible_article(slug, author_id)
    errors = FieldErrors()
    text = errors.required_text({"body": body}, "body", MAX_COMMENT_LENGTH)
    errors.raise_if_any()
    author = authors.profile_of(author_id)  # before the write; nobody follows themselves
    article_id = article.id

    def attempt(_number: int) -> CommentView:
        now = now_ms()
        comment = Comment(
            article_id=article_id,
            author_id=account_uuid(author_id),
            body=text,
            created_at=now,
            updated_at=now,
        )
        db.session.add(comment)
        db.session.flush()
        surrogate.changes(surrogate.comments_key(article_id))  # never shown in a list
        return _view(comment, author)

    return committed(attempt, before_commit)


def delete_comment(slug: str, comment_id: int | str, user_id) -> None:
    """The comment's author only; an id that is not a number is simply not found."""
    article = visible_article(slug, user_id)
    comment_id = str(comment_id)
    comment = db.session.get(Comment, int(comment_id)) if _ID.match(comment_id) else None
    if comment is None or comment.article_id != article.id:
        raise ApiError.one(404, "comment", "not found")
    if comment.author_id != account_uuid(user_id):
        raise ApiError.one(403, "comment", "forbidden")
    db.session.delete(comment)
    surrogate.changes(surrogate.comments_key(article.id))
    db.session.commit()


def _views(comments: list[Comment], following_of) -> list[CommentView]:
    """Views with their authors from webapp's copies in one query (and, for `following_of`,
    whom that viewer follows)."""
    if not comments:
        return []
    found = authors.profiles_by_ids({c.author_id for c in comments}, following_of)
    return [
        _view(comment, found.get(str(comment.author_id)) or Profile.placeholder(comment.author_id))
        for comment in comments
    ]


def _view(comment: Comment, author: Profile) -> CommentView:
    return CommentView(
        id=comment.id,
        body=comment.body,
        created_at=as_utc(comment.created_at),
        updated_at=as_utc(comment.updated_at),
        author=author,
    )
