"""The migrations build the schema the models expect, and undo it, on each backend."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from auth_service.extensions import db
from titanium_common.testing import throwaway_database


def test_migrations_upgrade_and_downgrade_a_fresh_database(make_app, backend, tmp_path):
    with throwaway_database(backend, "auth_service_migrations", str(tmp_path)) as url:
        app = make_app(DATABASE_URL=url)
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"accounts", "outbox_events"} <= tables
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
