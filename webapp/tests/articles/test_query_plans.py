"""At a realistic size on PostgreSQL, every hot read runs on indexes: no sequential scan of a big
table, no sort spilling to disk, however deep the page. The statements checked are the ones the
code sends (captured while it runs), so the code regressing fails here, not a copy of its SQL.

The blog comes from `seed-bulk` in a database of its own (big enough that PostgreSQL prefers
indexes where they help), analyzed by the seeding. PostgreSQL only: SQLite plans differently.
"""

import itertools
from dataclasses import dataclass

import flask_migrate
import pytest
import sqlalchemy as sa

from titanium_common.testing import throwaway_database
from webapp import create_app
from webapp.articles import service
from webapp.comments import service as comments
from webapp.extensions import db
from webapp.models import PUBLISHED, Article, Author, Comment, Favorite
from webapp.seed import bulk

from ..support import TEST_SECRET_KEY, queries_sent

ARTICLES, USERS, FAVORITES = 20_000, 2_000, 200_000
DEEP = 4_000
BIG_TABLES = {"articles", "favorites", "article_tags", "comments"}
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}
# Nodes that read rows of a table itself (an index-only scan reads only its index).
ROW_READS = {"Seq Scan", "Index Scan", "Bitmap Heap Scan"}


@pytest.fixture(scope="module")
def big_app(backend, app_settings, tmp_path_factory):
    if not backend.postgres_server_url:
        pytest.skip("query plans are checked on PostgreSQL (TITANIUM_POSTGRES_URL)")
    tmp_dir = str(tmp_path_factory.mktemp("query_plans"))
    with throwaway_database(backend, "webapp", tmp_dir) as url:
        settings = {"TESTING": True, "DATABASE_URL": url, "REDIS_URL": "", **app_settings}
        # Several workers and no Redis: webapp.shared_parts keeps nothing, so every read
        # sends its SQL.
        app = create_app({**settings, "SECRET_KEY": TEST_SECRET_KEY, "WEB_CONCURRENCY": 2})
        with app.app_context():
            flask_migrate.upgrade()
        seeded = app.test_cli_runner().invoke(
            args=[
                "seed-bulk",
                f"--articles={ARTICLES}",
                f"--users={USERS}",
                f"--favorites={FAVORITES}",
            ]
        )
        assert seeded.exit_code == 0, seeded.output
        yield app
        with app.app_context():
            db.engine.dispose()


@dataclass(frozen=True)
class Blog:
    reader: str  # follows the 50 most prolific authors
    favoriter: str  # someone's username who has favorites
    commented: str  # the slug of an article with comments


@pytest.fixture
def big(big_app, user_service):
    """In the big blog's app context."""
    with big_app.app_context():
        ids = {a.username: str(a.id) for a in db.session.scalars(sa.select(Author))}
        reader = ids["bulk-user-7"]
        follows = {(reader, ids[f"bulk-user-{number}"]) for number in range(1, 51)}
        user_service.follows.update(follows)
        favoriter_id = db.session.scalar(sa.select(Favorite.user_id).limit(1))
        commented = sa.select(Article.slug).join(Comment, Comment.article_id == Article.id)
        yield Blog(
            reader=reader,
            favoriter=db.session.scalar(
                sa.select(Author.username).where(Author.id == favoriter_id)
            ),
            commented=db.session.scalar(commented.where(PUBLISHED).limit(1)),
        )
        user_service.follows.difference_update(follows)


# A word a few hundred of the articles have (the seeding draws it rarely).
RARE_WORD = bulk.VOCABULARY[1000]

HOT_READS = {
    "page 1": lambda blog: service.list_articles(blog.reader),
    "deep page": lambda blog: service.list_articles(blog.reader, offset=DEEP),
    "popular tag": lambda blog: service.list_articles(blog.reader, tag="python"),
    "popular tag, deep page": lambda blog: service.list_articles(
        blog.reader, tag="python", offset=DEEP
    ),
    "rare tag": lambda blog: service.list_articles(blog.reader, tag="travel"),
    "author": lambda blog: service.list_articles(blog.reader, author="bulk-user-1"),
    "favorited": lambda blog: service.list_articles(blog.reader, favorited=blog.favoriter),
    "feed": lambda blog: service.feed(blog.reader),
    "feed, deep page": lambda blog: service.feed(blog.reader, offset=DEEP),
    "search": lambda blog: service.search(RARE_WORD, blog.reader),
    "search, page 2": lambda blog: service.search(RARE_WORD, blog.reader, offset=20),
    "article": lambda blog: service.get_article(blog.commented, blog.reader),
    "comments": lambda blog: comments.list_comments(blog.commented, blog.reader),
    "tags": lambda blog: service.all_tags(),
}


@pytest.mark.parametrize("read", list(HOT_READS))
def test_hot_reads_stay_on_indexes_at_size(big, read):
    with queries_sent(db.engine) as sent:
        result = HOT_READS[read](big)
    # The blog has what is asked for (a whole page of it, for a page past the first).
    found = result.articles if isinstance(result, service.ArticlePage) else result
    assert len(found) == 20 if "page 2" in read or "deep" in read else found

    assert sent  # read from the database, not from something kept
    for query in sent:
        nodes = _plan_nodes(query)
        scanned = {node["Relation Name"] for node in nodes if "Relation Name" in node}
        seq_scans = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"]
        assert not set(seq_scans) & BIG_TABLES, (query.statement, seq_scans)
        assert not [n for n in nodes if n.get("Sort Space Type") == "Disk"], query.statement
        if scanned & BIG_TABLES:
            assert {n["Node Type"] for n in nodes} & INDEX_NODES, query.statement


@pytest.mark.parametrize("read", ["deep page", "popular tag, deep page", "feed, deep page"])
def test_a_deep_page_reads_only_its_own_article_rows(big, read):
    """The rows skipped by the offset are skipped on an index: only the page's rows (and no
    body) are read from the articles table."""
    with queries_sent(db.engine) as sent:
        page = HOT_READS[read](big)
    assert len(page.articles) == 20

    listing = next(query for query in sent if "slug" in query.columns)
    article_rows = [
        node["Actual Rows"] * node["Actual Loops"]
        for node in _plan_nodes(listing)
        if node["Node Type"] in ROW_READS and node.get("Relation Name") == "articles"
    ]
    assert sum(article_rows) <= len(page.articles), listing.statement


def _plan_nodes(query) -> list[dict]:
    """Every node of the query's plan as PostgreSQL runs it (EXPLAIN ANALYZE, so sorts tell
    where they spilled)."""
    explained = db.session.connection().exec_driver_sql(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {query.statement}", query.parameters
    )
    root = explained.scalar()[0]["Plan"]
    return list(_walk(root))


def _walk(node: dict):
    yield node
    yield from itertools.chain.from_iterable(_walk(child) for child in node.get("Plans", ()))
