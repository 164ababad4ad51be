"""The migrations go down and up again cleanly on each backend, and match the models."""

import threading
import time
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from titanium_common.backends import database_on_server, drop_database, ensure_database
from titanium_common.testing import throwaway_database
from user_service import create_app
from user_service.extensions import db


def test_downgrade_to_base_and_upgrade_again(backend, tmp_path):
    with throwaway_database(backend, "user_service", str(tmp_path)) as url:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": ""})
        with app.app_context():
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="base")
            tables_at_base = set(sa.inspect(db.engine).get_table_names())
            flask_migrate.upgrade()
            with db.engine.connect() as connection:
                drift = compare_metadata(MigrationContext.configure(connection), db.metadata)
            db.engine.dispose()

    assert tables_at_base <= {"alembic_version"}
    assert drift == []


def test_upgrade_database_waits_for_a_database_that_is_still_being_created(backend, tmp_path):
    """The chart's migration Job starts while the operator still creates the database: the
    command waits for it and then migrates, instead of failing a backoffLimit 0 rollout."""
    if not backend.postgres_server_url:
        pytest.skip("the database appears later only on a PostgreSQL server")
    url = database_on_server(
        backend.postgres_server_url, f"titanium_user_service_late_{uuid.uuid4().hex[:8]}"
    )
    app = create_app({"DATABASE_URL": url, "REDIS_URL": ""})
    creator = threading.Timer(1.5, ensure_database, args=[url])
    creator.start()
    try:
        started = time.monotonic()
        result = app.test_cli_runner().invoke(args=["upgrade-database", "--wait", "30"])
        waited = time.monotonic() - started
        with app.app_context():
            tables = set(sa.inspect(db.engine).get_table_names())
            db.engine.dispose()
    finally:
        creator.join()
        drop_database(url)
    assert result.exit_code == 0, result.output
    assert waited >= 1.5
    assert {"alembic_version", "profiles"} <= tables
