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
