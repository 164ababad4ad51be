"""Articles: listing, search, reading, writing and favoriting. Plain functions free of
request/g, shared by the JSON API and the web UI. Errors are the contract's ApiErrors.

Authors come from webapp's own copies (webapp.authors). `following=False` leaves out whom the
viewer follows (a page of previews never shows it), which saves the one user_service call a
signed-in viewer's list would cost. A write builds its reply before it commits (webapp.writes);
creating one hands that reply's ArticleView to `before_commit`.
"""

import dataclasses
import math
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.sql.elements import ColumnElement
from text_unidecode import unidecode

from titanium_common.api import INVALID, ApiError, FieldErrors
from titanium_common.text import NOT_ALLOWED, is_clean, too_long
from webapp import authors, shared_parts, surrogate
from webapp import search as full_text
from webapp.clock import as_utc, iso_ms, now_ms, strictly_after
from webapp.extensions import db
from webapp.models import (
    PUBLISHED,
    Article,
    ArticleSlug,
    Comment,
    Favorite,
    PendingRevision,
    Tag,
    account_uuid,
    article_tags,
)
from webapp.profiles import client as profiles
from webapp.profiles.client import Profile
from webapp.tags.names import MAX_TAG_LENGTH, MAX_TAGS, normalized
from webapp.writes import committed

MAX_SLUG_BASE = 80
# Field limits like those of the blogs people use: a title fits a line, a description a card.
MAX_LENGTHS = {"title": 200, "description": 300, "body": 100_000}
WORDS_PER_MINUTE = 200


class SlugMoved(Exception):
    """An article asked for by a slug it had before a retitle; `slug` is its current one."""

    def __init__(self, old_slug: str, slug: str):
        super().__init__(old_slug, slug)
        self.old_slug = old_slug
        self.slug = slug


@dataclass(frozen=True)
class ArticleView:
    id: int  # stable across edits (feed entry ids); never in the API
    slug: str
    title: str
    description: str
    body: str | None  # None in a list: previews never read bodies (the RSS feed asks for them)
    reading_minutes: int
    tags: list[str]  # sorted, unique
    created_at: datetime
    updated_at: datetime
    favorited: bool
    favorites_count: int
    author: Profile
    draft: bool

    def __post_init__(self):
        surrogate.shows(surrogate.article_key(self.id), *map(surrogate.tag_key, self.tags))

    def to_json(self, with_body: bool = True) -> dict[str, Any]:
        """The RealWorld Article; list items leave out the body."""
        data = {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "body": self.body,
            "tagList": self.tags,
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "favorited": self.favorited,
            "favoritesCount": self.favorites_count,
            "author": self.author.public(),
        }
        if not with_body:
            del data["body"]
        return data


@dataclass(frozen=True)
class Pending:
    """A published article's autosaved, unpublished edits (only its author ever sees them)."""

    title: str
    description: str
    body: str
    tags: list[str]
    saved_at: datetime


@dataclass(frozen=True)
class Trashed:
    """An article in its author's trash."""

    slug: str
    title: str
    deleted_at: datetime
    purge_at: datetime


@dataclass(frozen=True)
class ArticlePage:
    articles: list[ArticleView]
    total: int
    # Search results only, when asked for: where the words matched, by article id (escaped
    # HTML, webapp.search.snippets).
    snippets: dict[int, Markup] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        surrogate.shows(surrogate.ARTICLES)


def not_found() -> ApiError:
    return ApiError.one(404, "article", "not found")


# --- reading -------------------------------------------------------------------------------


def list_articles(
    viewer_id,
    *,
    tag=None,
    author=None,
    favorited=None,
    limit=20,
    offset=0,
    following=True,
    with_body=False,
) -> ArticlePage:
    """Published articles, newest first; the filters combine with AND. Without `with_body`
    their bodies are not read (None). The page every viewer sees alike is kept
    (webapp.shared_parts); only the viewer's own bits are read for them."""
    if tag is not None:
        tag = normalized(tag)  # /tag/My%20Tag and ?tag=My Tag find my-tag
    page = shared_parts.get(
        ("articles", tag, author, favorited, limit, offset, with_body),
        lambda: _list_for_everyone(tag, author, favorited, limit, offset, with_body),
    )
    return _as_seen_by(page, viewer_id, following=following)


def _list_for_everyone(
    tag, author, favorited, limit: int, offset: int, with_body: bool
) -> ArticlePage:
    query = _published()
    if tag is not None:
        surrogate.shows(surrogate.tag_key(tag))
        query = query.where(
            Article.id.in_(
                sa.select(article_tags.c.article_id)
                .join(Tag, Tag.id == article_tags.c.tag_id)
                .where(Tag.name == tag)
            )
        )
    for username, restrict in ((author, _by_author), (favorited, _favorited_by)):
        if username is None:
            continue
        profile = authors.profile_by_username(username)  # shows the author's key
        if profile is None:
            surrogate.shows(surrogate.username_key(username))
            return ArticlePage([], 0)
        query = restrict(query, account_uuid(profile.id))
    return _page(query, None, limit, offset, following=False, with_body=with_body)


def feed(viewer_id, *, limit=20, offset=0, following=True) -> ArticlePage:
    """Published articles by the authors the viewer follows, newest first."""
    followed = [account_uuid(account_id) for account_id in profiles.following_ids(str(viewer_id))]
    if not followed:
        return ArticlePage([], 0)
    query = _published().where(Article.author_id.in_(followed))
    return _page(query, viewer_id, limit, offset, following=following)


def search(
    query: str, viewer_id, *, limit=20, offset=0, following=True, snippets=False
) -> ArticlePage:
    """Published articles matching `query`, best match first; with `snippets`, where the words
    matched in each (the page's bodies are read for them; kept with the page)."""
    if not query.strip():
        return ArticlePage([], 0)
    page = shared_parts.get(
        ("search", query.strip(), limit, offset, snippets),
        lambda: _search_for_everyone(query.strip(), limit, offset, snippets),
    )
    return _as_seen_by(page, viewer_id, following=following)


def _search_for_everyone(query: str, limit: int, offset: int, snippets: bool) -> ArticlePage:
    dialect = db.engine.dialect.name
    clause, rank = full_text.matching(query, dialect)
    page = _page(_published().where(clause), None, limit, offset, rank=rank, following=False)
    if not snippets or not page.articles:
        return page
    rows = db.session.execute(
        sa.select(Article.id, Article.description, Article.body).where(
            Article.id.in_([article.id for article in page.articles])
        )
    ).all()
    return dataclasses.replace(page, snippets=full_text.snippets(query, rows, dialect))


def drafts(author_id, *, limit=20, offset=0) -> ArticlePage:
    """The author's unpublished articles, newest first."""
    query = sa.select(Article.id).where(
        Article.draft.is_(True),
        Article.deleted_at.is_(None),
        Article.author_id == account_uuid(author_id),
    )
    return _page(query, author_id, limit, offset, following=False)


def get_article(slug: str, viewer_id) -> ArticleView:
    """One article (whether the viewer follows its author included); a draft is found only by
    its author. A published one is kept for every viewer (webapp.shared_parts)."""
    published = shared_parts.get(("article", slug), lambda: _published_article(slug))
    if published is not None:
        return _seen_by([published], viewer_id, following=True)[0]
    article = visible_article(slug, viewer_id)  # a draft, an old slug, or nothing: 404, 301
    return _views(
        [article], viewer_id, following=True, tags_of={article.id: _loaded_tags(article)}
    )[0]


def _published_article(slug: str) -> ArticleView | None:
    """The published article at `slug` as everyone sees it; None for anything else."""
    article = db.session.scalar(sa.select(Article).where(PUBLISHED, Article.slug == slug))
    if article is None:
        return None
    return _views([article], None, following=False, tags_of={article.id: _loaded_tags(article)})[0]


def all_tags() -> list[str]:
    """Every tag on at least one published article, sorted by name (GET /api/tags)."""
    return [name for name, _uses in _tag_uses()]


def popular_tags() -> list[str]:
    """Every tag on at least one published article, the most used first (ties by name)."""
    return [name for name, _uses in sorted(_tag_uses(), key=lambda row: -row[1])]


def _tag_uses() -> list[tuple[str, int]]:
    """(tag, how many published articles have it), sorted by name; one read for both orders,
    kept for every viewer (webapp.shared_parts)."""
    return shared_parts.get(("tag-uses",), _read_tag_uses)


def _read_tag_uses() -> list[tuple[str, int]]:
    # Counted tag by tag on the article_tags key (tag first), so the count reads indexes only,
    # however big the blog; the tags table is small.
    uses = (
        sa.select(sa.func.count())
        .select_from(article_tags)
        .join(Article, Article.id == article_tags.c.article_id)
        .where(PUBLISHED, article_tags.c.tag_id == Tag.id)
        .scalar_subquery()
    )
    counted = sa.select(Tag.name, uses.label("uses")).subquery()
    surrogate.shows(surrogate.TAGS)
    rows = db.session.execute(
        sa.select(counted.c.name, counted.c.uses).where(counted.c.uses > 0).order_by(counted.c.name)
    )
    return [(name, uses) for name, uses in rows]


def reading_minutes(body: str) -> int:
    return max(1, math.ceil(len(body.split()) / WORDS_PER_MINUTE))


# --- writing -------------------------------------------------------------------------------


def create_article(
    author_id, fields: dict, *, draft: bool = False, before_commit=None, autosave: bool = False
) -> ArticleView:
    """A new article from the API body's fields (title, description, body, tagList?).
    `autosave` (a draft only): description and body may still be blank."""
    values = _validated(fields, partial=False, lenient=autosave and draft)
    author = authors.profile_of(author_id)  # before the write; nobody follows themselves

    def attempt(number: int) -> ArticleView:
        now = now_ms()
        article = Article(
            slug=_free_slug(values["title"], force_suffix=number > 0),
            title=values["title"],
            description=values["description"],
            body=values["body"],
            reading_minutes=reading_minutes(values["body"]),
            author_id=account_uuid(author_id),
            draft=draft,
            created_at=now,
            updated_at=now,
            favorites_count=0,
            tags=_tags_named(values["tags"]),
        )
        db.session.add(article)
        db.session.flush()
        surrogate.article_changed(article.id, author_id, values["tags"])
        return _view(article, author, favorited=False, tags=_loaded_tags(article))

    return committed(attempt, before_commit)


def check_editable(slug: str, editor_id, *, lock: bool = False) -> Article:
    """The article if `editor_id` may change it: 404 unknown (or someone else's draft), then 403.
    `lock` holds its row until commit, so concurrent edits take turns (strictly later
    updatedAt each)."""
    article = visible_article(slug, editor_id, lock=lock)
    if article.author_id != account_uuid(editor_id):
        raise ApiError.one(403, "article", "forbidden")
    return article


def update_article(
    slug: str, editor_id, fields: dict, *, draft: bool | None = None, autosave: bool = False
) -> ArticleView:
    """Change the given fields; `draft=False` publishes a draft, `draft=True` unpublishes.
    Any pending revision is applied by this write, so it goes. `autosave` (a draft staying a
    draft only): description and body may still be blank."""
    original = check_editable(slug, editor_id)
    values = _validated(fields, partial=True, lenient=bool(autosave and original.draft and draft))
    new_title = values.get("title", original.title)
    retitled = slugify(new_title) != slugify(original.title)
    author = authors.profile_of(editor_id)  # before the write
    old_tags = [tag.name for tag in original.tags]

    def attempt(number: int) -> ArticleView:
        article = check_editable(slug, editor_id, lock=True)
        if retitled:
            old_slug = article.slug
            article.slug = _free_slug(new_title, force_suffix=number > 0, article_id=article.id)
            _retire_slug(article, old_slug)
        for name in ("title", "description", "body"):
            if name in values:
                setattr(article, name, values[name])
        if "body" in values:
            article.reading_minutes = reading_minutes(values["body"])
        if "tags" in values:
            article.tags = _tags_named(values["tags"])
        article.updated_at = strictly_after(article.updated_at)
        if draft is not None:
            if article.draft and not draft:
                # Publishing puts the article at the top of the lists, as a new one.
                article.created_at = article.updated_at
            article.draft = draft
            # The editor's Publish (or Save Draft) sends the pending edits: they are applied.
            db.session.execute(
                sa.delete(PendingRevision).where(PendingRevision.article_id == article.id)
            )
        db.session.flush()
        surrogate.article_changed(
            article.id, editor_id, old_tags + [tag.name for tag in article.tags]
        )
        favorited = bool(_favorited_among([article], editor_id))
        return _view(article, author, favorited=favorited, tags=_loaded_tags(article))

    return committed(attempt)


def delete_article(slug: str, editor_id) -> None:
    """Into the author's trash (ADR 0017): from now on a 404 for everyone, the author included,
    until restored. Comments, favorites and any pending revision stay with it. The slug stays
    taken, so a restore always gets its own address back."""
    article = check_editable(slug, editor_id, lock=True)
    article.deleted_at = now_ms()
    surrogate.article_changed(article.id, editor_id, [tag.name for tag in article.tags])
    db.session.commit()


def restore_article(slug: str, author_id, retention: timedelta) -> ArticleView:
    """Out of the trash, as it was; 404 if the author has no such article in the trash, or it
    has been there longer than `retention` (the purge deletes it soon)."""
    article = db.session.scalar(
        sa.select(Article)
        .where(
            Article.slug == slug,
            Article.author_id == account_uuid(author_id),
            Article.deleted_at.is_not(None),
        )
        .with_for_update()
    )
    if article is None or as_utc(article.deleted_at) <= now_ms() - retention:
        raise not_found()
    article.deleted_at = None
    surrogate.article_changed(article.id, author_id, [tag.name for tag in article.tags])
    db.session.commit()
    return get_article(slug, author_id)


def trash(author_id, retention: timedelta) -> list[Trashed]:
    """The author's trashed articles still restorable, most recently deleted first."""
    rows = db.session.scalars(
        sa.select(Article)
        .where(
            Article.author_id == account_uuid(author_id),
            Article.deleted_at > now_ms() - retention,
        )
        .order_by(Article.deleted_at.desc(), Article.id.desc())
    )
    return [
        Trashed(row.slug, row.title, as_utc(row.deleted_at), as_utc(row.deleted_at) + retention)
        for row in rows
    ]


def purge_trash(retention: timedelta) -> int:
    """Delete for good every article trashed longer than `retention` ago (with its comments,
    favorites, tags links and pending revision); returns how many."""
    expired = list(
        db.session.scalars(sa.select(Article).where(Article.deleted_at <= now_ms() - retention))
    )
    ids = [article.id for article in expired]
    if ids:
        # Explicitly: SQLite enforces no ON DELETE CASCADE unless told to.
        for model in (Comment, Favorite, ArticleSlug):
            db.session.execute(sa.delete(model).where(model.article_id.in_(ids)))
        db.session.execute(sa.delete(PendingRevision).where(PendingRevision.article_id.in_(ids)))
        for article in expired:
            db.session.delete(article)  # its article_tags rows go with it
    db.session.commit()
    return len(ids)


# --- pending revisions of published articles -----------------------------------------------


def pending_revision(slug: str, author_id) -> Pending | None:
    """The author's unpublished edits of their published article, if any."""
    article = check_editable(slug, author_id)
    row = db.session.get(PendingRevision, article.id)
    if row is None:
        return None
    return Pending(row.title, row.description, row.body, list(row.tags), as_utc(row.saved_at))


def save_pending_revision(slug: str, author_id, fields: dict) -> Pending:
    """Keep edits of a published article without publishing them (autosave): the article and
    every reader's page stay as they are. Lengths are checked; blanks wait for Publish."""
    article = check_editable(slug, author_id, lock=True)
    values = _validated(fields, partial=True, lenient=True)
    row = db.session.get(PendingRevision, article.id) or PendingRevision(article_id=article.id)
    row.title = values.get("title", article.title)
    row.description = values.get("description", article.description)
    row.body = values.get("body", article.body)
    row.tags = values.get("tags", [tag.name for tag in article.tags])
    row.saved_at = now_ms()
    db.session.add(row)
    db.session.commit()
    return Pending(row.title, row.description, row.body, list(row.tags), as_utc(row.saved_at))


def discard_pending_revision(slug: str, author_id) -> None:
    article = check_editable(slug, author_id)
    db.session.execute(sa.delete(PendingRevision).where(PendingRevision.article_id == article.id))
    db.session.commit()


def favorite(slug: str, user_id) -> ArticleView:
    """Idempotent: favoriting twice counts once."""
    user = account_uuid(user_id)

    def attempt(article: Article) -> None:
        if db.session.get(Favorite, (user, article.id)) is None:
            db.session.add(Favorite(user_id=user, article_id=article.id))
            _bump_favorites(article, +1)

    return _change_favorite(slug, user_id, attempt, favorited=True)


def unfavorite(slug: str, user_id) -> ArticleView:
    def attempt(article: Article) -> None:
        removed = db.session.execute(
            sa.delete(Favorite).where(
                Favorite.user_id == account_uuid(user_id), Favorite.article_id == article.id
            )
        ).rowcount
        if removed:
            _bump_favorites(article, -1)

    return _change_favorite(slug, user_id, attempt, favorited=False)


def _change_favorite(slug: str, user_id, change, *, favorited: bool) -> ArticleView:
    """Apply `change` to the article; the reply's author (and whether the user follows them) is
    resolved before the write."""
    article = visible_article(slug, user_id)
    author = authors.profile_of(article.author_id, user_id)

    def attempt(_number: int) -> ArticleView:
        # Again on a retry: the same user's concurrent favorite may have been counted meanwhile.
        article = visible_article(slug, user_id)
        change(article)
        # Counts show on the article and in every list (and a favorites tab lists it).
        surrogate.changes(surrogate.article_key(article.id), surrogate.ARTICLES)
        return _view(article, author, favorited=favorited, tags=_loaded_tags(article))

    return committed(attempt)


# --- helpers -------------------------------------------------------------------------------


def slugify(title: str) -> str:
    """Kebab-case ASCII, other scripts transliterated: "Hello, Wörld!" -> "hello-world",
    "Привет мир" -> "privet-mir"."""
    ascii_text = unidecode(title)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_BASE].strip("-") or "article"


# Paths under /api/articles/ that are routes, not articles: a title may not take them as slugs.
RESERVED_SLUGS = frozenset({"feed"})


def _free_slug(title: str, *, force_suffix: bool, article_id: int | None = None) -> str:
    """A slug for `title` that no other article has now or had before (`article_id` may take
    back one of its own)."""
    base = slugify(title)
    candidate = base
    while force_suffix or candidate in RESERVED_SLUGS or _slug_taken(candidate, article_id):
        force_suffix = False
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


def _slug_taken(slug: str, article_id: int | None) -> bool:
    holders = sa.union(
        sa.select(Article.id).where(Article.slug == slug),
        sa.select(ArticleSlug.article_id).where(ArticleSlug.slug == slug),
    )
    return any(holder != article_id for holder in db.session.scalars(holders))


def _retire_slug(article: Article, old_slug: str) -> None:
    """Keep a published article's old slug so its links keep working; a slug it takes back is
    current again. A draft's slugs were never public, so they are not kept."""
    db.session.execute(sa.delete(ArticleSlug).where(ArticleSlug.slug == article.slug))
    if not article.draft:
        db.session.add(ArticleSlug(slug=old_slug, article_id=article.id))


def _bump_favorites(article: Article, delta: int) -> None:
    # In SQL, so concurrent favorites of the same article never lose a count.
    db.session.execute(
        sa.update(Article)
        .where(Article.id == article.id)
        .values(favorites_count=Article.favorites_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(article, ["favorites_count"])


def _validated(fields: dict, *, partial: bool, lenient: bool = False) -> dict[str, Any]:
    """`lenient` (autosaved work in progress): description and body may be blank; a draft
    still needs its title (its slug and the drafts list are made of it)."""
    errors = FieldErrors()
    values: dict[str, Any] = {}
    for name in ("title", "description", "body"):
        if partial and name not in fields:
            continue
        if lenient and name != "title" and not str(fields.get(name) or "").strip():
            values[name] = ""
            continue
        text = errors.required_text(fields, name, MAX_LENGTHS[name])
        if text is not None:
            # The body keeps its markdown indentation; title and description are trimmed.
            values[name] = fields[name] if name == "body" else text
    if "tagList" in fields:
        values["tags"] = _tag_names(fields["tagList"], errors)
    elif not partial:
        values["tags"] = []
    errors.raise_if_any()
    return values


def _tag_names(raw: Any, errors: FieldErrors) -> list[str]:
    """The article's tags as stored: normalised (webapp.tags.names), blanks dropped, each once,
    sorted; at most MAX_TAGS of them once normalised."""
    if not isinstance(raw, list):
        errors.add("tagList", "must be an array")
        return []
    names: list[str] = []
    for item in raw:
        name = _tag_name(item, errors)
        if name is None:
            return []
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        errors.add("tagList", f"has too many tags (maximum is {MAX_TAGS})")
        return []
    return sorted(names)


def _tag_name(item: Any, errors: FieldErrors) -> str | None:
    """One tag normalised ("" for a blank one), or None and its error. Refused characters are
    refused as typed, before normalising could turn them into hyphens."""
    if not isinstance(item, str):
        problem = INVALID
    elif not is_clean(item):
        problem = NOT_ALLOWED
    elif "/" in item:  # every tag has a page at /tag/<tag>
        problem = "cannot contain a slash"
    elif len(name := normalized(item)) > MAX_TAG_LENGTH:
        problem = too_long(MAX_TAG_LENGTH)
    else:
        return name
    errors.add("tagList", problem)
    return None


def _tags_named(names: Sequence[str]) -> list[Tag]:
    if not names:
        return []
    existing = {
        tag.name: tag for tag in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))
    }
    return [existing.get(name) or Tag(name=name) for name in names]


def _published() -> sa.Select:
    """The ids of published articles, to be filtered further; _page reads their rows."""
    return sa.select(Article.id).where(PUBLISHED)


def _by_author(query: sa.Select, author_id: uuid.UUID) -> sa.Select:
    return query.where(Article.author_id == author_id)


def _favorited_by(query: sa.Select, user_id: uuid.UUID) -> sa.Select:
    return query.join(Favorite, Favorite.article_id == Article.id).where(
        Favorite.user_id == user_id
    )


def visible_article(slug: str, viewer_id, *, lock: bool = False) -> Article:
    """The article row; 404 when unknown, in the trash (for everyone, its author included), or
    a draft and `viewer_id` is not its author."""
    query = sa.select(Article).where(Article.slug == slug)
    if lock:  # and read the row as it is now, not as this session first loaded it
        query = query.with_for_update().execution_options(populate_existing=True)
    article = db.session.scalar(query)
    if article is None:
        if (moved := _article_by_old_slug(slug)) and _is_visible(moved, viewer_id):
            raise SlugMoved(slug, moved.slug)
        raise not_found()
    if not _is_visible(article, viewer_id):
        raise not_found()
    return article


def _is_visible(article: Article, viewer_id) -> bool:
    """Not in the trash, and published or a draft seen by its author."""
    if article.deleted_at is not None:
        return False
    return not article.draft or (
        viewer_id is not None and article.author_id == account_uuid(viewer_id)
    )


def _article_by_old_slug(slug: str) -> Article | None:
    return db.session.scalar(
        sa.select(Article)
        .join(ArticleSlug, ArticleSlug.article_id == Article.id)
        .where(ArticleSlug.slug == slug)
    )


# What a list shows of an article: everything but the body.
PREVIEW_COLUMNS = (
    Article.id,
    Article.slug,
    Article.title,
    Article.description,
    Article.reading_minutes,
    Article.author_id,
    Article.draft,
    Article.favorites_count,
    Article.created_at,
    Article.updated_at,
)


def _page(
    ids: sa.Select,
    viewer_id,
    limit: int,
    offset: int,
    *,
    rank: ColumnElement | None = None,
    following: bool,
    with_body: bool = False,
) -> ArticlePage:
    """The page of the articles `ids` selects, newest first (best `rank` first, if given), as a
    deferred join: the page's ids are sorted and skipped on an index, however deep the page,
    and only their rows are read. Their tags come in one more query."""
    keys = [Article.created_at] if rank is None else [rank, Article.created_at]
    keys = [key.label(f"sort_{number}") for number, key in enumerate(keys)]
    window = (
        ids.add_columns(*keys)
        .order_by(*(key.desc() for key in keys), Article.id.desc())
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    columns = PREVIEW_COLUMNS + ((Article.body,) if with_body else ())
    rows = db.session.execute(
        sa.select(*columns)
        .join(window, window.c.id == Article.id)
        .order_by(*(window.c[key.name].desc() for key in keys), window.c.id.desc())
    ).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)  # the whole result is on this page: no COUNT needed
    else:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))
    tags_of = _tags_of([row.id for row in rows])
    return ArticlePage(_views(rows, viewer_id, following=following, tags_of=tags_of), total)


def _tags_of(article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each article's tag names, sorted, in one query."""
    tags: dict[int, list[str]] = defaultdict(list)
    if article_ids:
        for article_id, name in db.session.execute(
            sa.select(article_tags.c.article_id, Tag.name)
            .join(Tag, Tag.id == article_tags.c.tag_id)
            .where(article_tags.c.article_id.in_(article_ids))
            .order_by(Tag.name)
        ):
            tags[article_id].append(name)
    return tags


def _loaded_tags(article: Article) -> list[str]:
    return [tag.name for tag in article.tags]


def _views(rows: Sequence, viewer_id, *, following: bool, tags_of) -> list[ArticleView]:
    """Views of these articles (Article objects, or rows of PREVIEW_COLUMNS and maybe the body),
    their authors from webapp's copies in one query."""
    if not rows:
        return []
    found = authors.profiles_by_ids(
        {row.author_id for row in rows}, viewer_id if following else None
    )
    favorited = _favorited_among(rows, viewer_id)
    return [
        _view(
            row,
            found.get(str(row.author_id)) or Profile.placeholder(row.author_id),
            favorited=row.id in favorited,
            tags=tags_of.get(row.id, []),
        )
        for row in rows
    ]


def _view(article, author: Profile, *, favorited: bool, tags: list[str]) -> ArticleView:
    return ArticleView(
        id=article.id,
        slug=article.slug,
        title=article.title,
        description=article.description,
        body=getattr(article, "body", None),  # a preview's row has no body
        reading_minutes=article.reading_minutes,
        tags=tags,
        created_at=as_utc(article.created_at),
        updated_at=as_utc(article.updated_at),
        favorited=favorited,
        favorites_count=article.favorites_count,
        author=author,
        draft=article.draft,
    )


def _as_seen_by(page: ArticlePage, viewer_id, *, following: bool) -> ArticlePage:
    """A page of articles as read for everyone, with what is the viewer's own."""
    if viewer_id is None or not page.articles:
        return page
    return dataclasses.replace(
        page, articles=_seen_by(page.articles, viewer_id, following=following)
    )


def _seen_by(views: list[ArticleView], viewer_id, *, following: bool) -> list[ArticleView]:
    """Views as read for everyone, with which of them the viewer favorited (one indexed query)
    and, when `following`, whether they follow each author. A view the viewer sees as everyone
    does is used as it is (most of a page: making a view costs more than the queries)."""
    if viewer_id is None:
        return views
    favorited = _favorited_among(views, viewer_id)
    followed = (
        authors.followed_among(viewer_id, list({view.author.id: 0 for view in views}))
        if following
        else set()
    )

    def seen(view: ArticleView) -> ArticleView:
        follows = None if followed is None else view.author.id in followed
        if view.id not in favorited and follows is view.author.following:
            return view
        author = view.author
        if follows is not author.following:
            author = dataclasses.replace(author, following=follows)
        return dataclasses.replace(view, favorited=view.id in favorited, author=author)

    return [seen(view) for view in views]


def _favorited_among(articles: Sequence, viewer_id) -> set[int]:
    if viewer_id is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(Favorite.article_id).where(
                Favorite.user_id == account_uuid(viewer_id),
                Favorite.article_id.in_([a.id for a in articles]),
            )
        )
    )
