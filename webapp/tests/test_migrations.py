"""The migrations go down and up again cleanly on each backend, and match the models."""

import uuid

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from titanium_common.testing import throwaway_database
from webapp import create_app
from webapp.clock import now_ms
from webapp.extensions import db
from webapp.models import Article
from webapp.search import SEARCH_COLUMN, SEARCH_INDEX, include_object

from .support import TEST_SECRET_KEY


def test_downgrade_to_base_and_upgrade_again(backend, tmp_path):
    with throwaway_database(backend, "webapp", str(tmp_path)) as url:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": TEST_SECRET_KEY})
        with app.app_context():
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="base")
            tables_at_base = set(sa.inspect(db.engine).get_table_names())
            flask_migrate.upgrade()
            inspector = sa.inspect(db.engine)
            columns = {c["name"] for c in inspector.get_columns("articles")}
            indexes = {i["name"] for i in inspector.get_indexes("articles")}
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"include_object": include_object}
                )
                drift = compare_metadata(context, db.metadata)
            db.engine.dispose()

    assert tables_at_base <= {"alembic_version"}
    assert drift == []
    on_postgres = bool(backend.postgres_server_url)
    assert (SEARCH_COLUMN in columns, SEARCH_INDEX in indexes) == (on_postgres, on_postgres)


def test_existing_articles_get_their_reading_time(backend, tmp_path):
    articles = sa.table(
        "articles",
        *(sa.column(name) for name in ("slug", "title", "description", "body", "draft")),
        sa.column("author_id", sa.Uuid),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    with throwaway_database(backend, "webapp", str(tmp_path)) as url:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": TEST_SECRET_KEY})
        with app.app_context():
            flask_migrate.upgrade(revision="6c4e2a9d1f37")  # before reading times were stored
            now = now_ms()
            db.session.execute(
                sa.insert(articles),
                [
                    {
                        "slug": slug,
                        "title": slug,
                        "description": "d",
                        "body": body,
                        "draft": False,
                        "author_id": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for slug, body in (("short", "one"), ("long", "word " * 401))
                ],
            )
            db.session.commit()
            flask_migrate.upgrade()
            stored = dict(
                db.session.execute(sa.select(Article.slug, Article.reading_minutes)).all()
            )
            db.engine.dispose()

    assert stored == {"short": 1, "long": 3}


def test_tags_that_normalise_alike_are_merged(backend, tmp_path):
    """ADR 0029: "My New Tag" and "my new tag" (on one article, and on different ones) become
    the one tag "my-new-tag" with every article once; other tags are renamed in place."""
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        *(sa.column(name) for name in ("slug", "title", "description", "body", "draft")),
        sa.column("author_id", sa.Uuid),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    tags = sa.table("tags", sa.column("id", sa.Integer), sa.column("name", sa.String))
    links = sa.table("article_tags", sa.column("tag_id"), sa.column("article_id"))
    old_tags = {1: "My New Tag", 2: "my new tag", 3: "Python", 4: "rust", 5: "my-new-tag"}
    old_links = {  # article -> its tags
        "both": [1, 2],
        "upper": [1, 3],
        "lower": [2],
        "all-three": [1, 2, 5],
        "other": [4],
    }
    with throwaway_database(backend, "webapp", str(tmp_path)) as url:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": TEST_SECRET_KEY})
        with app.app_context():
            flask_migrate.upgrade(revision="7a6536b42aab")  # before tags were normalised
            now = now_ms()
            for number, slug in enumerate(old_links, start=1):
                db.session.execute(
                    sa.insert(articles).values(
                        id=number,
                        slug=slug,
                        title=slug,
                        description="d",
                        body="b",
                        draft=False,
                        author_id=uuid.uuid4(),
                        created_at=now,
                        updated_at=now,
                    )
                )
            db.session.execute(sa.insert(tags), [{"id": i, "name": n} for i, n in old_tags.items()])
            article_ids = {slug: number for number, slug in enumerate(old_links, start=1)}
            db.session.execute(
                sa.insert(links),
                [
                    {"article_id": article_ids[slug], "tag_id": tag_id}
                    for slug, tag_ids in old_links.items()
                    for tag_id in tag_ids
                ],
            )
            db.session.commit()
            flask_migrate.upgrade()
            names = dict(db.session.execute(sa.select(tags.c.id, tags.c.name)).all())
            tags_of = {}
            for slug, name in db.session.execute(
                sa.select(articles.c.slug, tags.c.name)
                .join(links, links.c.article_id == articles.c.id)
                .join(tags, tags.c.id == links.c.tag_id)
                .order_by(articles.c.slug, tags.c.name)
            ):
                tags_of.setdefault(slug, []).append(name)
            db.engine.dispose()

    # The tag already spelled the new way is the one kept; the others' articles moved to it.
    assert names == {5: "my-new-tag", 3: "python", 4: "rust"}
    assert tags_of == {
        "both": ["my-new-tag"],
        "upper": ["my-new-tag", "python"],
        "lower": ["my-new-tag"],
        "all-three": ["my-new-tag"],
        "other": ["rust"],
    }


def test_merged_tags_without_the_new_spelling_keep_the_oldest(backend, tmp_path):
    tags = sa.table("tags", sa.column("id", sa.Integer), sa.column("name", sa.String))
    with throwaway_database(backend, "webapp", str(tmp_path)) as url:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": TEST_SECRET_KEY})
        with app.app_context():
            flask_migrate.upgrade(revision="7a6536b42aab")
            db.session.execute(
                sa.insert(tags), [{"id": 7, "name": "Big  Data"}, {"id": 9, "name": "big data"}]
            )
            db.session.commit()
            flask_migrate.upgrade()
            names = dict(db.session.execute(sa.select(tags.c.id, tags.c.name)).all())
            db.engine.dispose()

    assert names == {7: "big-data"}
