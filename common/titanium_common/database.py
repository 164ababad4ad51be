"""What every service with a database wires the same way: the extension objects and Alembic.

Each service keeps its own metadata, database and migrations; only the wiring is shared.
"""

import logging
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger("alembic.env")

# Named constraints, so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def database_extensions(package_dir: Path) -> tuple[SQLAlchemy, Migrate]:
    """Unbound `db` and `migrate` for one service, its migrations in <package>/migrations."""

    class Base(DeclarativeBase):
        metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    db = SQLAlchemy(model_class=Base)
    migrate = Migrate(directory=str(package_dir / "migrations"), render_as_batch=True)
    return db, migrate


def run_migrations(context, include_object: Callable | None = None) -> None:
    """The body of a service's migrations/env.py: run on the app's own engine and metadata.

    `include_object` leaves objects that the models do not describe (e.g. a generated search
    column) out of autogenerate."""
    migrate = current_app.extensions["migrate"]
    metadata = migrate.db.metadata
    options = {"render_as_batch": True, "include_object": include_object}
    if context.is_offline_mode():
        url = migrate.db.engine.url.render_as_string(hide_password=False)
        context.configure(url=url, target_metadata=metadata, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def skip_empty_autogenerate(_context, _revision, directives):
        # `flask db migrate` with no model change writes no empty revision file.
        autogenerate = getattr(context.config.cmd_opts, "autogenerate", False)
        if autogenerate and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    configure_args = {"process_revision_directives": skip_empty_autogenerate, **options}
    configure_args.update(migrate.configure_args)
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()
