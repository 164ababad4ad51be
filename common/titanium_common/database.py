"""What every service with a database wires the same way: the extension objects, Alembic and
`flask upgrade-database`, the command a deployment runs its migrations with.

Each service keeps its own metadata, database and migrations; only the wiring is shared.
"""

import logging
import select
import time
from collections.abc import Callable
from pathlib import Path

import click
import flask_migrate
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger("alembic.env")
database_log = logging.getLogger("titanium.database")
# What a migration logs while its database does not exist yet (the image stack waits for it).
NOT_READY_MESSAGE = "database not ready yet, retrying"

# Named constraints, so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def database_extensions(
    package_dir: Path, session_class: type[Session] = Session
) -> tuple[SQLAlchemy, Migrate]:
    """Unbound `db` and `migrate` for one service, its migrations in <package>/migrations;
    `session_class` may choose engines differently (webapp.replica)."""

    class Base(DeclarativeBase):
        metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    db = SQLAlchemy(model_class=Base, session_options={"class_": session_class})
    migrate = _Migrate(directory=str(package_dir / "migrations"), render_as_batch=True)
    return db, migrate


class _Migrate(Migrate):
    """Flask-Migrate, plus `flask upgrade-database` on every app it is bound to."""

    def init_app(self, app, db=None, **kwargs):
        super().init_app(app, db, **kwargs)
        app.cli.add_command(upgrade_database)


@click.command("upgrade-database")
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=300,
    show_default=True,
    help="How long to wait for the database to accept connections.",
)
@with_appcontext
def upgrade_database(wait_seconds: float) -> None:
    """Wait for the database, then apply every migration (the chart's migration Job).

    On a fresh cluster the Job starts while the database is still being created; it waits
    (and says so) instead of failing a rollout that has backoffLimit 0.
    """
    wait_for_database(current_app.extensions["migrate"].db.engine, wait_seconds)
    flask_migrate.upgrade()


def wait_for_database(
    engine: sa.Engine,
    wait_seconds: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once `SELECT 1` succeeds; retry with backoff until `wait_seconds` have passed."""
    deadline, delay, attempt = clock() + wait_seconds, 0.5, 1
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            database_log.info("database ready", extra={"attempts": attempt})
            return
        except sa.exc.OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            if clock() + delay > deadline:
                raise click.ClickException(
                    f"the database did not accept connections within {wait_seconds:g} s "
                    f"({attempt} attempts): {reason}"
                ) from error
            database_log.warning(
                NOT_READY_MESSAGE,
                extra={"attempts": attempt, "retry_in_seconds": delay, "reason": reason},
            )
            sleep(delay)
            delay, attempt = min(delay * 2, 10.0), attempt + 1


def wait_on_connect(
    engine: sa.Engine,
    wait_seconds: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Make every new connection of `engine` wait up to `wait_seconds` for a database that
    refuses connections (a PostgreSQL restart or failover) instead of failing at once.

    Only opening a connection is retried: that happens before a transaction starts (at checkout,
    or when `check_on_checkout` finds a pooled connection dead), so nothing can have been written
    yet. A connection lost in the middle of a transaction is never replayed here; the request
    answers 503 (titanium_common.api) and the client retries, safely for creating POSTs with an
    Idempotency-Key.
    """
    if engine.dialect.name == "sqlite" or wait_seconds <= 0:
        return  # a file: nothing to wait for

    @event.listens_for(engine, "do_connect")
    def connect_patiently(dialect, _record, cargs, cparams):
        deadline, delay = clock() + wait_seconds, 0.05
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError as error:
                if clock() + delay > deadline:
                    raise
                database_log.warning(
                    "database refuses connections, waiting",
                    extra={"retry_in_seconds": delay, "reason": str(error).strip()[:200]},
                )
                sleep(delay)
                delay = min(delay * 2, 1.0)


class BackingOff(Exception):
    """A connection not even tried: the database refused one a moment ago."""


def back_off_after_refusal(
    engine: sa.Engine, seconds: float, *, clock: Callable[[], float] = time.monotonic
) -> None:
    """After `engine` failed to connect, fail its connections at once for `seconds`, raising
    BackingOff: for a database whose users have somewhere else to go (a read replica), where
    every request paying a refused or timed-out connect would cost more than the answer."""
    down_until = 0.0

    @event.listens_for(engine, "do_connect")
    def connect_or_back_off(dialect, _record, cargs, cparams):
        nonlocal down_until
        if clock() < down_until:
            raise BackingOff(f"{engine.url.host} refused a connection less than {seconds:g} s ago")
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError:
            down_until = clock() + seconds
            raise


def check_on_checkout(
    engine: sa.Engine, idle_seconds: float, *, clock: Callable[[], float] = time.monotonic
) -> None:
    """Hand out only live pooled connections of `engine`, without a round trip for a busy one.

    `pool_pre_ping` sent `SELECT 1` before every request's first query (15 % of webapp's wall
    time). Instead: a connection the server has closed or said goodbye on (a restart, a
    failover, pg_terminate_backend) has something to read on its socket, which costs one
    `poll()` to see; only a connection idle for longer than `idle_seconds`, which a silent
    network drop may have killed, is pinged. A dead one invalidates the whole pool (a restart
    killed its siblings too) and is replaced by a new connection, which `wait_on_connect` lets
    wait for the restarting server. A connection that dies between checkout and its first query
    still fails that request (503, titanium_common.api); SQLAlchemy then invalidates the pool.
    """
    if engine.dialect.name == "sqlite":
        return  # a file: nothing to lose

    @event.listens_for(engine, "checkin")
    def note_idle_since(_dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = clock()

    @event.listens_for(engine, "checkout")
    def refuse_dead_connection(dbapi_connection, record, _proxy) -> None:
        if _server_has_spoken(dbapi_connection):
            raise sa.exc.InvalidatePoolError("the server closed the connection")
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or clock() - idle_since <= idle_seconds:
            return  # new, or busy a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.InvalidatePoolError(f"ping failed: {error}") from error


_IDLE_SINCE = "titanium_idle_since"


def _server_has_spoken(dbapi_connection) -> bool:
    """PostgreSQL sends nothing unasked to an idle connection we do not LISTEN on, except the
    error it closes the connection with; end of file reads as readable too."""
    poller = select.poll()  # not select(): it cannot watch a descriptor above 1023
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def end_sessions_on_lost_connections(app: Flask, db: SQLAlchemy) -> None:
    """End each request's session even when its connection was lost after the last query
    (PostgreSQL stopping): Flask-SQLAlchemy's own teardown rolls back, the rollback raises, the
    finished reply becomes a 500 and the broken session stays with the thread for its next
    request. Registered after it, this teardown runs before it."""

    @app.teardown_appcontext
    def end_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except sa.exc.DBAPIError as error:
            # Nothing to roll back on a lost connection: drop it and the session without one.
            database_log.warning(
                "connection lost at the end of a request", extra={"error": str(error)[:200]}
            )
            db.session().invalidate()
            db.session.remove()


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
