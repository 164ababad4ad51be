"""`flask --app webapp seed-bulk`: a big, made-up blog for measuring how cost grows with data.

Authors are webapp's copies of profiles (random account ids, usernames bulk-user-<n>): the
accounts themselves are not created in auth_service, and follows live in user_service, so the
favorites here stand for "favorites and follows". Everything comes from one random seed, so two
runs with the same options make the same blog (dated back from the moment of seeding). Rows go
in with multi-row INSERTs in batches; on PostgreSQL the tables are then vacuumed and analyzed, so
the planner sees their real size and index-only scans work at once.
"""

import csv
import io
import itertools
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from webapp.articles.service import reading_minutes, slugify
from webapp.clock import now_ms
from webapp.extensions import db
from webapp.models import Article, Author, Comment, Favorite, Tag, article_tags

BATCH = 5000
USERNAME_PREFIX = "bulk-user-"
SPAN = timedelta(days=3 * 365)  # the articles' dates spread over the past three years
DRAFT_SHARE, TRASHED_SHARE, COMMENTED_SHARE = 0.02, 0.01, 0.2
# Popular first (the seeding favors the first ones).
# fmt: off
TAGS = [
    "python", "javascript", "rust", "go", "java", "kotlin", "swift", "ruby", "elixir", "haskell",
    "databases", "postgresql", "sqlite", "redis", "kubernetes", "docker", "linux", "security",
    "testing", "performance", "design", "architecture", "frontend", "backend", "devops", "cloud",
    "career", "opensource", "tutorial", "beginners", "webdev", "css", "html", "machinelearning",
    "data", "algorithms", "networking", "books", "productivity", "writing", "music", "travel",
]
COMMON_WORDS = [
    "the", "a", "of", "to", "and", "in", "is", "it", "that", "for", "on", "with", "as", "was",
    "be", "by", "this", "are", "from", "at", "or", "an", "have", "not", "query", "index",
    "table", "page", "cache", "server", "request", "latency", "throughput", "article", "reader",
    "author", "write", "read", "data", "scale", "growth", "test", "deploy", "build", "release",
    "design", "simple", "fast", "slow", "measure", "profile", "memory", "disk", "network",
    "user", "session", "token", "search", "tag", "comment", "favorite", "feed", "list",
    "because", "when", "while", "after", "before", "every", "each", "most", "some", "many",
    "few", "more", "less", "often", "never",
]
# fmt: on
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vi", "zo", "pe", "su", "da", "fi", "go", "hu"]
# Common words first, then made-up ones, drawn by Zipf's law as in real text: search finds a
# handful of articles for most words and nearly all of them for a few.
VOCABULARY = COMMON_WORDS + ["".join(parts) for parts in itertools.product(SYLLABLES, repeat=3)]
WORD_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(VOCABULARY) + 1)))


@click.command("seed-bulk")
@click.option(
    "--articles", "article_count", type=click.IntRange(min=1), default=100_000, show_default=True
)
@click.option(
    "--users",
    "user_count",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Author copies (webapp's authors table).",
)
@click.option(
    "--favorites",
    "favorite_count",
    type=click.IntRange(min=0),
    default=1_000_000,
    show_default=True,
    help="Favorites, spread over the users. Follows live in user_service, so "
    "'1,000,000 favorites and follows' are all favorites here.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="The random seed.")
@with_appcontext
def seed_bulk(article_count: int, user_count: int, favorite_count: int, seed: int):
    """Fill webapp's tables with a big made-up blog, once (skipped if already seeded)."""
    if db.session.scalar(sa.select(Author.id).where(Author.username == f"{USERNAME_PREFIX}1")):
        click.echo("Already seeded (bulk-user-1 exists): nothing done.")
        return
    per_user, extra = divmod(favorite_count, user_count)
    if per_user + (extra > 0) > article_count:
        raise click.BadParameter(
            f"at most {article_count * user_count} (every user favoriting every article)",
            param_hint="--favorites",
        )
    rng = random.Random(seed)  # noqa: S311 (made-up data, reproducible on purpose)
    started = time.monotonic()
    now = now_ms()

    user_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(user_count)]
    _insert(Author.__table__, _authors(user_ids, now))
    tag_ids = _tag_ids()
    first_id = (db.session.scalar(sa.select(sa.func.max(Article.id))) or 0) + 1
    # Who favorites what first: each article's row carries its count.
    favorited = [
        rng.sample(range(article_count), per_user + (number < extra))
        for number in range(user_count)
    ]
    counts = [0] * article_count
    for picks in favorited:
        for index in picks:
            counts[index] += 1

    _insert(Article.__table__, _articles(rng, first_id, counts, user_ids, now))
    _insert(article_tags, _article_tags(rng, first_id, article_count, tag_ids))
    _insert(Comment.__table__, _comments(rng, first_id, article_count, user_ids, now))
    _insert(Favorite.__table__, _favorites(favorited, first_id, user_ids, now))
    db.session.commit()
    _after_bulk_load()
    click.echo(
        f"Seeded {article_count} articles, {user_count} authors and {favorite_count} favorites "
        f"in {time.monotonic() - started:.1f} s."
    )


def _insert(table: sa.Table, rows: Iterable[dict]) -> None:
    """In batches: with COPY on PostgreSQL (several times faster than INSERT), else multi-row
    INSERTs."""
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _insert_batch(table, batch)
            batch = []
    if batch:
        _insert_batch(table, batch)


def _insert_batch(table: sa.Table, batch: list[dict]) -> None:
    if db.engine.dialect.name != "postgresql":
        db.session.execute(sa.insert(table), batch)
        return
    columns = list(batch[0])
    text = io.StringIO()
    # None is an unquoted empty field, which CSV COPY reads as NULL (no value here is "").
    csv.writer(text).writerows([[row[name] for name in columns] for row in batch])
    text.seek(0)
    cursor = db.session.connection().connection.cursor()
    cursor.copy_expert(
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", text
    )


def _authors(user_ids: list[uuid.UUID], now) -> Iterator[dict]:
    for number, user_id in enumerate(user_ids, 1):
        # Version 0: any real snapshot of the account replaces the copy.
        yield {
            "id": user_id,
            "username": f"{USERNAME_PREFIX}{number}",
            "bio": None,
            "image": None,
            "version": 0,
            "updated_at": now,
        }


def _tag_ids() -> list[int]:
    """The ids of TAGS (in their order, popular first), created if missing."""
    named = sa.select(Tag.name, Tag.id).where(Tag.name.in_(TAGS))
    existing = {name: tag_id for name, tag_id in db.session.execute(named)}
    missing = [name for name in TAGS if name not in existing]
    if missing:
        db.session.execute(sa.insert(Tag), [{"name": name} for name in missing])
        existing = {name: tag_id for name, tag_id in db.session.execute(named)}
    return [existing[name] for name in TAGS]


def _skewed(rng: random.Random, size: int) -> int:
    """An index below `size`, low ones far likelier: a few prolific authors, popular tags."""
    return int(size * rng.random() ** 3)


def _articles(rng, first_id: int, counts: list[int], user_ids, now) -> Iterator[dict]:
    paragraphs = [_sentence(rng, rng.randint(30, 120)) for _ in range(1000)]
    step = SPAN / len(counts)
    for index, favorites in enumerate(counts):
        title = _sentence(rng, rng.randint(3, 8)).rstrip(".")
        body = "\n\n".join(rng.choices(paragraphs, k=rng.randint(1, 8)))
        written = now - step * (len(counts) - index)
        yield {
            "id": first_id + index,
            "slug": f"{slugify(title)}-{first_id + index}",
            "title": title,
            "description": _sentence(rng, rng.randint(8, 20)),
            "body": body,
            "reading_minutes": reading_minutes(body),
            "author_id": user_ids[_skewed(rng, len(user_ids))],
            "draft": rng.random() < DRAFT_SHARE,
            "favorites_count": favorites,
            "created_at": written,
            "updated_at": written,
            "deleted_at": now if rng.random() < TRASHED_SHARE else None,
        }


def _article_tags(rng, first_id: int, article_count: int, tag_ids: list[int]) -> Iterator[dict]:
    for index in range(article_count):
        chosen = {tag_ids[_skewed(rng, len(tag_ids))] for _ in range(rng.randint(1, 4))}
        for tag_id in chosen:
            yield {"article_id": first_id + index, "tag_id": tag_id}


def _comments(rng, first_id: int, article_count: int, user_ids, now) -> Iterator[dict]:
    for index in range(article_count):
        if rng.random() < COMMENTED_SHARE:
            for _ in range(rng.randint(1, 3)):
                yield {
                    "article_id": first_id + index,
                    "author_id": rng.choice(user_ids),
                    "body": _sentence(rng, rng.randint(5, 30)),
                    "created_at": now,
                    "updated_at": now,
                }


def _favorites(favorited: list[list[int]], first_id: int, user_ids, now) -> Iterator[dict]:
    for user_id, picks in zip(user_ids, favorited, strict=True):
        for index in picks:
            yield {"user_id": user_id, "article_id": first_id + index, "created_at": now}


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=WORD_WEIGHTS, k=words)).capitalize() + "."


def _after_bulk_load() -> None:
    """PostgreSQL: the id sequence past the ids given here, and fresh statistics and visibility
    maps (VACUUM cannot run in a transaction)."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('articles', 'id'), max(id)) FROM articles"
            )
        )
        for table in ("articles", "article_tags", "favorites", "comments", "authors", "tags"):
            connection.execute(sa.text(f"VACUUM (ANALYZE) {table}"))
