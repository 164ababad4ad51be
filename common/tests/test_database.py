import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import click
import psycopg2.extensions
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from titanium_common.api import register_json_errors
from titanium_common.backends import database_on_server
from titanium_common.database import (
    NAMING_CONVENTION,
    BackingOff,
    back_off_after_refusal,
    database_extensions,
    wait_for_database,
    wait_on_connect,
)
from titanium_common.service import create_service_app
from titanium_common.settings import database_settings, redis_settings, server_settings


def test_each_service_gets_its_own_metadata_with_named_constraints(tmp_path):
    first_db, first_migrate = database_extensions(tmp_path / "one")
    second_db, _ = database_extensions(tmp_path / "two")

    class Thing(first_db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(10), unique=True)

    assert first_db.metadata is not second_db.metadata
    assert "thing" in first_db.metadata.tables and not second_db.metadata.tables
    assert first_db.metadata.naming_convention == {
        **first_db.metadata.naming_convention,
        **NAMING_CONVENTION,
    }
    assert first_migrate.directory == str(tmp_path / "one" / "migrations")


def refusing_engine() -> sa.Engine:
    """An engine whose every connection is refused at once (nothing listens on port 1)."""
    return sa.create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")


def test_waiting_for_a_database_that_never_comes_fails_with_the_reason():
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(click.ClickException) as raised:
        wait_for_database(refusing_engine(), 30, sleep=sleep, clock=lambda: now[0])

    message = raised.value.message
    assert "did not accept connections within 30 s" in message
    assert "Connection refused" in message or "connection" in message.lower()
    assert sum(sleeps) <= 30 and len(sleeps) >= 5, sleeps
    assert sleeps[:4] == [0.5, 1.0, 2.0, 4.0] and max(sleeps) == 10.0  # capped backoff


def test_a_ready_database_is_not_waited_for(tmp_path):
    sleeps = []
    engine = sa.create_engine(f"sqlite:///{tmp_path}/ready.db")
    wait_for_database(engine, 30, sleep=sleeps.append)
    assert sleeps == []


def test_every_app_bound_to_the_migrations_gets_upgrade_database(tmp_path):
    db, migrate = database_extensions(tmp_path)
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/x.db"
    db.init_app(app)
    migrate.init_app(app, db)
    result = app.test_cli_runner().invoke(args=["upgrade-database", "--help"])
    assert result.exit_code == 0 and "Wait for the database" in result.output


# --- a PostgreSQL restart: new connections wait for it --------------------------------------


def test_opening_a_connection_waits_for_a_database_that_refuses_then_gives_up():
    engine, now, sleeps = refusing_engine(), [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    wait_on_connect(engine, 2.0, sleep=sleep, clock=lambda: now[0])

    with pytest.raises(sa.exc.OperationalError):
        engine.connect()
    assert sleeps[:3] == [0.05, 0.1, 0.2] and 1.0 <= sum(sleeps) <= 2.0, sleeps


def test_an_engine_that_was_refused_fails_at_once_for_a_while_then_tries_again():
    """A read replica that is down: reads go to the primary without a connect attempt each."""
    engine, now = refusing_engine(), [0.0]
    back_off_after_refusal(engine, 10, clock=lambda: now[0])

    with pytest.raises(sa.exc.OperationalError):
        engine.connect()
    now[0] = 9.9
    with pytest.raises(BackingOff):
        engine.connect()
    now[0] = 10.1
    with pytest.raises(sa.exc.OperationalError):
        engine.connect()


class TcpProxy:
    """Stands between a service and PostgreSQL; `stop` cuts every connection and refuses new
    ones, as a restarting server does, and `start` lets them through again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def restartable_postgres(service_package):
    server = os.environ.get("TITANIUM_POSTGRES_URL")
    if not server:
        pytest.skip("a database restart needs PostgreSQL (TITANIUM_POSTGRES_URL)")
    url = sa.engine.make_url(database_on_server(server, "postgres"))
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield proxy, url.set(host="127.0.0.1", port=proxy.port)
    proxy.stop()


def service_on(url, reconnect_seconds: float, ping_idle_seconds: float = 10.0) -> Flask:
    db, migrate = database_extensions(Path(__file__).parent)
    app = create_service_app(
        "demo_service",
        [*database_settings(), *server_settings(8099), *redis_settings("restart")],
        {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "DATABASE_RECONNECT_SECONDS": reconnect_seconds,
            "DATABASE_PING_IDLE_SECONDS": ping_idle_seconds,
            "REDIS_URL": "",
        },
        db=db,
        migrate=migrate,
        max_body_bytes=1024,
    )
    register_json_errors(app)

    @app.get("/now")
    def now():
        return {"now": str(db.session.scalar(sa.text("SELECT now()")))}

    @app.get("/backend")
    def backend():
        return {"pid": db.session.scalar(sa.text("SELECT pg_backend_pid()"))}

    return app


def test_a_request_during_a_database_restart_waits_and_is_answered(restartable_postgres):
    proxy, url = restartable_postgres
    client = service_on(url, reconnect_seconds=5).test_client()
    assert client.get("/now").status_code == 200  # a pooled connection, soon to be cut

    proxy.stop()
    threading.Timer(1.0, proxy.start).start()
    started = time.monotonic()
    response = client.get("/now")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.5


def test_a_database_down_for_longer_than_the_wait_is_a_503_never_a_500(restartable_postgres):
    proxy, url = restartable_postgres
    client = service_on(url, reconnect_seconds=0.5).test_client()
    assert client.get("/now").status_code == 200

    proxy.stop()
    response = client.get("/now")
    proxy.start()

    assert response.status_code == 503
    assert response.json == {"errors": {"database": ["is unavailable, retry"]}}


def test_a_connection_cut_after_the_last_query_neither_fails_the_reply_nor_the_next_request(
    restartable_postgres,
):
    """The fault suite (issue 10): PostgreSQL stopping between a request's last query and its
    end made the session's closing rollback raise, so a finished reply became a 500, and the
    broken session stayed with the thread and failed its next request too."""
    proxy, url = restartable_postgres
    app = service_on(url, reconnect_seconds=5)

    def cut_the_connection(response):
        proxy.stop()
        return response

    app.after_request(cut_the_connection)
    client = app.test_client()

    reply = client.get("/now")
    proxy.start()
    app.after_request_funcs[None].remove(cut_the_connection)
    following = client.get("/now")

    assert reply.status_code == 200
    assert following.status_code == 200


# --- a busy pool is not pinged; a dead connection is still never handed out -----------------


@pytest.fixture
def postgres(service_package):
    server = os.environ.get("TITANIUM_POSTGRES_URL")
    if not server:
        pytest.skip("counting what reaches PostgreSQL needs one (TITANIUM_POSTGRES_URL)")
    url = sa.engine.make_url(database_on_server(server, "postgres"))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    yield url, admin
    admin.dispose()


def statements_sent(app: Flask) -> list[str]:
    """Every statement the app's connections send, pings included (they bypass SQLAlchemy's
    cursor events, so they are recorded on the driver's cursors)."""
    sent: list[str] = []

    class RecordingCursor(psycopg2.extensions.cursor):
        def execute(self, query, params=None):
            sent.append(query.decode() if isinstance(query, bytes) else str(query))
            return super().execute(query, params)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        engine.dispose()

        @event.listens_for(engine, "connect")
        def record(dbapi_connection, _record):
            dbapi_connection.cursor_factory = RecordingCursor

    return sent


def terminate(admin: sa.Engine, pid: int) -> None:
    """End a backend as a restart or failover does, and wait until it is gone."""
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        gone = sa.text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
        while not connection.scalar(gone, {"pid": pid}):
            time.sleep(0.01)


def test_a_burst_of_requests_on_a_warm_pool_sends_no_ping(postgres):
    """Issue 12: `pool_pre_ping` sent `SELECT 1` before every request's first query."""
    url, _ = postgres
    app = service_on(url, reconnect_seconds=5)
    sent = statements_sent(app)
    client = app.test_client()
    assert client.get("/now").status_code == 200  # warm: the pool holds a connection
    sent.clear()

    statuses = [client.get("/now").status_code for _ in range(20)]

    assert statuses == [200] * 20
    assert sent.count("SELECT now()") == 20
    assert not [statement for statement in sent if statement.strip().upper() == "SELECT 1"]


def test_a_connection_the_server_ended_is_replaced_without_an_error(postgres):
    url, admin = postgres
    client = service_on(url, reconnect_seconds=5).test_client()
    first = client.get("/backend").json["pid"]

    terminate(admin, first)
    reply = client.get("/backend")

    assert reply.status_code == 200
    assert reply.json["pid"] != first


def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced_if_dead(postgres, monkeypatch):
    """A connection that died silently (a dropped network path) says nothing on its socket:
    past DATABASE_PING_IDLE_SECONDS (0 here), the ping finds it dead before a request uses it."""
    url, admin = postgres
    app = service_on(url, reconnect_seconds=5, ping_idle_seconds=0)
    sent = statements_sent(app)
    client = app.test_client()
    first = client.get("/backend").json["pid"]
    assert client.get("/backend").json["pid"] == first
    assert "SELECT 1" in sent  # idle past the threshold: pinged

    monkeypatch.setattr("titanium_common.database._server_has_spoken", lambda _connection: False)
    terminate(admin, first)
    reply = client.get("/backend")

    assert reply.status_code == 200
    assert reply.json["pid"] != first


def test_a_replica_that_is_not_postgresql_is_refused_at_start(service_package, tmp_path):
    db, migrate = database_extensions(tmp_path)
    with pytest.raises(ValueError, match="DATABASE_REPLICA_URL must name a PostgreSQL server"):
        create_service_app(
            "demo_service",
            [*database_settings(), *server_settings(8099), *redis_settings("replica")],
            {
                "DATABASE_URL": f"sqlite:///{tmp_path}/primary.db",
                "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path}/replica.db",
            },
            db=db,
            migrate=migrate,
            max_body_bytes=1024,
        )
