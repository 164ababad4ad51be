"""Alembic environment: runs webapp's migrations on the app's own engine."""

import logging

from alembic import context
from flask import current_app

from webapp.search import include_object

logger = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
config.set_main_option(
    "sqlalchemy.url",
    migrate_ext.db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=migrate_ext.db.metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    conf_args.setdefault("include_object", include_object)
    with migrate_ext.db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=migrate_ext.db.metadata, **conf_args
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
