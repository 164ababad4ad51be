"""`flask --app webapp seed-bulk`: a big made-up blog, the same every time, made once."""

import contextlib
import tempfile

import flask_migrate
import pytest
import sqlalchemy as sa

from titanium_common.testing import throwaway_database
from webapp import create_app
from webapp.articles import service
from webapp.extensions import db
from webapp.models import PUBLISHED, Article, Author, Favorite, article_tags

from ..support import TEST_SECRET_KEY

SMALL = ["--articles=300", "--users=30", "--favorites=1500"]


@pytest.fixture
def empty_app_factory(backend, app_settings, tmp_path):
    """Builds apps on databases of their own, migrated and empty."""
    with contextlib.ExitStack() as stack:

        def build():
            directory = tempfile.mkdtemp(dir=tmp_path)  # a SQLite file each
            url = stack.enter_context(throwaway_database(backend, "webapp", directory))
            settings = {"TESTING": True, "DATABASE_URL": url, "REDIS_URL": "", **app_settings}
            app = create_app({**settings, "SECRET_KEY": TEST_SECRET_KEY})
            with app.app_context():
                flask_migrate.upgrade()
            stack.callback(lambda: _dispose(app))
            return app

        yield build


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


def _seed(app, *args):
    return app.test_cli_runner().invoke(args=["seed-bulk", *args])


def _count(rows) -> int:
    """How many rows a model (a table) or a query has."""
    if isinstance(rows, sa.Select):
        rows = rows.subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows))


def test_seeds_the_asked_sizes_once_with_consistent_counts(empty_app_factory):
    app = empty_app_factory()

    first = _seed(app, *SMALL)
    second = _seed(app, *SMALL)

    assert first.exit_code == 0, first.output
    assert "Seeded 300 articles" in first.output
    assert second.exit_code == 0 and "Already seeded" in second.output
    with app.app_context():
        assert (_count(Article), _count(Author), _count(Favorite)) == (300, 30, 1500)
        favorites = (
            sa.select(sa.func.count()).where(Favorite.article_id == Article.id).scalar_subquery()
        )
        assert _count(sa.select(Article.id).where(Article.favorites_count != favorites)) == 0
        tags_per_article = (
            sa.select(sa.func.count()).select_from(article_tags).group_by(article_tags.c.article_id)
        )
        assert set(db.session.scalars(tags_per_article)) <= {1, 2, 3, 4}
        for article in db.session.scalars(sa.select(Article).limit(50)):
            assert article.reading_minutes == service.reading_minutes(article.body)
        published = _count(sa.select(Article.id).where(PUBLISHED))
        page = service.list_articles(None)
        assert 250 < page.total == published < 300  # a few drafts and trashed articles
        assert len(page.articles) == 20 and all(a.tags for a in page.articles)


def test_the_same_seed_makes_the_same_blog(empty_app_factory):
    blogs = []
    for app in (empty_app_factory(), empty_app_factory()):
        assert _seed(app, "--articles=40", "--users=5", "--favorites=60").exit_code == 0
        with app.app_context():
            rows = db.session.execute(
                sa.select(Article.slug, Author.username, Article.favorites_count)
                .join(Author, Author.id == Article.author_id)
                .order_by(Article.id)
            )
            blogs.append(list(rows))

    assert blogs[0] == blogs[1]
    assert len(blogs[0]) == 40


def test_refuses_more_favorites_than_users_can_give(empty_app_factory):
    app = empty_app_factory()

    result = _seed(app, "--articles=10", "--users=2", "--favorites=21")

    assert result.exit_code == 2
    assert "--favorites" in result.output and "at most 20" in result.output
    with app.app_context():
        assert _count(Author) == 0
