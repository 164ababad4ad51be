"""Reads from a real streaming replica (DATABASE_REPLICA_URL, ADR 0024): a private primary and a
hot standby made with pg_basebackup, started by the test on free ports.

Replay is paused on the standby to prove where each read comes from: what the primary has and
the standby not yet, only a reader of the primary can see.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import flask
import flask_migrate
import pytest
import sqlalchemy as sa

from webapp import create_app, sessions

from .support import as_user, unique

PAUSED = "SELECT pg_get_wal_replay_pause_state() = 'paused'"
# Debian keeps them out of PATH; the newest installed (as scripts/private_servers.py does).
_INITDBS = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
POSTGRES_BIN = Path(_INITDBS[-1]).parent if _INITDBS else Path("/usr/lib/postgresql/15/bin")
# PostgreSQL refuses to run as root: the servers run as the `postgres` OS user then.
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

pytestmark = pytest.mark.skipif(
    not (POSTGRES_BIN / "initdb").exists(), reason=f"no PostgreSQL binaries in {POSTGRES_BIN}"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One PostgreSQL server in `data_dir`, listening on 127.0.0.1:`port`."""

    def __init__(self, root: Path, name: str):
        self.root, self.data_dir, self.port = root, root / name, free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.engine = sa.create_engine(
            self.url.replace("postgresql://", "postgresql+psycopg2://"),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*AS_POSTGRES, str(POSTGRES_BIN / tool), *args], check=True, capture_output=True
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / f"{self.data_dir.name}.log")
        self.run("pg_ctl", "-D", str(self.data_dir), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def scalar(self, query: str):
        with self.engine.connect() as connection:
            return connection.scalar(sa.text(query))


def wait_until(condition, what: str, attempts: int = 300) -> None:
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture(scope="module")
def primary_and_standby():
    root = Path(tempfile.mkdtemp(prefix="titanium-replica-"))
    if AS_POSTGRES:
        shutil.chown(root, "postgres")
    primary, standby = Server(root, "primary"), Server(root, "standby")
    try:
        primary.run("initdb", "-D", str(primary.data_dir), "-U", "postgres", "--auth=trust", "-N")
        primary.start()
        primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(standby.data_dir), "-R", "-X", "stream"),
        )
        standby.start()
        streaming = "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        wait_until(lambda: primary.scalar(streaming) == 1, "the standby streams")
        yield primary, standby
    finally:
        for server in (standby, primary):
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()
        shutil.rmtree(root, ignore_errors=True)


def caught_up(primary: Server, standby: Server) -> bool:
    written = primary.scalar("SELECT pg_current_wal_lsn()::text")
    return bool(standby.scalar(f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"))


@pytest.fixture
def replica_app(primary_and_standby, app_settings):
    primary, standby = primary_and_standby
    app = create_app(
        {
            **app_settings,
            "TESTING": True,
            "DATABASE_URL": primary.url,
            "DATABASE_REPLICA_URL": standby.url,
            "REDIS_URL": "",  # who wrote lately is kept in this process
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    standby.scalar("SELECT pg_wal_replay_resume()")  # even after a test that failed paused
    wait_until(lambda: caught_up(primary, standby), "the standby has the schema")
    yield app
    with app.app_context():
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()


def test_reads_come_from_the_replica_and_a_writer_reads_their_own_writes(
    primary_and_standby, replica_app, people
):
    primary, standby = primary_and_standby
    client = replica_app.test_client()
    author, other_reader = people("author"), people("reader")
    warm_up = client.post(
        "/api/articles",
        json={"article": {"title": unique("First"), "description": "d", "body": "b"}},
        headers=as_user(author),
    )
    assert warm_up.status_code == 201  # writes go to the primary: the standby is read-only
    wait_until(lambda: caught_up(primary, standby), "the standby replays the first article")

    standby.scalar("SELECT pg_wal_replay_pause()")
    wait_until(lambda: standby.scalar(PAUSED), "replay pauses")
    created = client.post(
        "/api/articles",
        json={"article": {"title": unique("Fresh"), "description": "d", "body": "b"}},
        headers=as_user(author),
    )
    assert created.status_code == 201
    # Its comments: a read of the request's own (an article itself is a part kept for every
    # reader, filled from the primary: test_lists_kept_for_every_reader_are_never_behind_a_write).
    path = f"/api/articles/{created.json['article']['slug']}/comments"

    assert client.get(path).status_code == 404  # anonymous: the replica, behind
    assert client.get(path, headers=as_user(other_reader)).status_code == 404
    assert client.get(path, headers=as_user(author)).status_code == 200  # their own write

    standby.scalar("SELECT pg_wal_replay_resume()")
    wait_until(lambda: caught_up(primary, standby), "the standby replays the fresh article")
    assert client.get(path).status_code == 200


def test_a_browser_that_wrote_reads_the_primary_while_others_read_the_replica(
    primary_and_standby, replica_app, people
):
    primary, standby = primary_and_standby
    author, commenter = people("author"), people("commenter")
    created = replica_app.test_client().post(
        "/api/articles",
        json={"article": {"title": unique("Talk"), "description": "d", "body": "b"}},
        headers=as_user(author),
    )
    page = f"/article/{created.json['article']['slug']}"
    browser, anonymous = replica_app.test_client(), replica_app.test_client()
    with replica_app.test_request_context():
        sessions.start(commenter.id, 1)
        session_id = flask.session[sessions.SESSION_ID_KEY]
    with browser.session_transaction() as cookie:
        cookie.update(
            {"_user_id": commenter.id, "_fresh": True, sessions.SESSION_ID_KEY: session_id}
        )
    wait_until(lambda: caught_up(primary, standby), "the standby has the article and session")

    standby.scalar("SELECT pg_wal_replay_pause()")
    wait_until(lambda: standby.scalar(PAUSED), "replay pauses")
    comment = unique("Seen-by-its-writer")
    assert browser.post(f"{page}/comments", data={"body": comment}).status_code < 400

    assert comment in browser.get(page).text  # the commenter's own next page: the primary
    assert comment not in anonymous.get(page).text  # the replica, behind

    standby.scalar("SELECT pg_wal_replay_resume()")
    wait_until(lambda: caught_up(primary, standby), "the standby replays the comment")
    assert comment in anonymous.get(page).text


def test_a_stopped_replica_leaves_reads_to_the_primary(
    primary_and_standby, replica_app, people, caplog
):
    _, standby = primary_and_standby
    client = replica_app.test_client()
    created = client.post(
        "/api/articles",
        json={"article": {"title": unique("Kept"), "description": "d", "body": "b"}},
        headers=as_user(people("author")),
    )
    path = f"/api/articles/{created.json['article']['slug']}/comments"  # read per request
    assert client.get(path).status_code == 200  # a pooled connection to the replica

    standby.stop()
    try:
        article, home, ready = client.get(path), client.get("/"), client.get("/readyz")
    finally:
        standby.start()

    assert (article.status_code, home.status_code) == (200, 200)
    warnings = [r for r in caplog.records if r.message.startswith("read replica unavailable")]
    assert len(warnings) == 1  # then left alone for a while: not one refused connect per request
    assert ready.status_code == 200
    assert ready.json["checks"]["replica"]["status"] == "down"
    assert ready.json["checks"]["database"]["status"] == "ok"


def test_a_logout_ends_the_session_at_once_whatever_the_replica_says(
    primary_and_standby, replica_app, people
):
    primary, standby = primary_and_standby
    reader = people("leaver")
    browser = replica_app.test_client()
    with replica_app.test_request_context():
        sessions.start(reader.id, 1)
        session_id = flask.session[sessions.SESSION_ID_KEY]
    with browser.session_transaction() as cookie:
        cookie.update({"_user_id": reader.id, "_fresh": True, sessions.SESSION_ID_KEY: session_id})
    wait_until(lambda: caught_up(primary, standby), "the standby has the session")
    replayed = browser.get_cookie("session").value

    standby.scalar("SELECT pg_wal_replay_pause()")
    wait_until(lambda: standby.scalar(PAUSED), "replay pauses")
    browser.post("/logout")
    thief = replica_app.test_client()
    thief.set_cookie("session", replayed)

    assert reader.username not in thief.get("/settings", follow_redirects=True).text


def test_lists_kept_for_every_reader_are_never_behind_a_write(
    primary_and_standby, replica_app, people
):
    primary, standby = primary_and_standby
    author = people("lister")
    client = replica_app.test_client()
    client.get("/api/articles?limit=50")  # a list kept for everyone
    wait_until(lambda: caught_up(primary, standby), "the standby is level")

    standby.scalar("SELECT pg_wal_replay_pause()")
    wait_until(lambda: standby.scalar(PAUSED), "replay pauses")
    title = unique("Listed")
    created = client.post(
        "/api/articles",
        json={"article": {"title": title, "description": "d", "body": "b"}},
        headers=as_user(author),
    )
    assert created.status_code == 201

    # Kept anew from the primary, so no reader sees a list from before the write (until the
    # replica catches up, the article's own page may still be 404 for them).
    listed = [a["title"] for a in client.get("/api/articles?limit=50").json["articles"]]
    assert title in listed
