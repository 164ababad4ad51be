"""The migrations go down and up again cleanly on each backend, and match the models."""

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
