"""Test-suite helpers every service uses to run against the real backends when configured.

Suites run on SQLite with an in-process cache by default. When `TITANIUM_POSTGRES_URL` and/or
`TITANIUM_REDIS_URL` are set, the same tests also run against them over real connections, and a
URL that is set but unreachable fails the run loudly instead of being skipped.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
import sqlalchemy as sa

from titanium_common.backends import database_on_server, drop_database, ensure_database


@dataclass(frozen=True)
class Backend:
    """One configuration to run a suite on: a database kind plus an optional Redis URL."""

    name: str
    postgres_server_url: str = ""
    redis_url: str = ""


def configured_backends() -> list[Backend]:
    """The embedded defaults always; PostgreSQL + Redis too when their URLs are set."""
    postgres = os.environ.get("TITANIUM_POSTGRES_URL", "")
    redis_url = os.environ.get("TITANIUM_REDIS_URL", "")
    backends = [Backend("sqlite")]
    if postgres or redis_url:
        backends.append(Backend("postgres" if postgres else "sqlite+redis", postgres, redis_url))
    return backends


def assert_reachable(backend: Backend) -> None:
    """Fail loudly when a configured backend does not answer."""
    if backend.postgres_server_url:
        url = database_on_server(backend.postgres_server_url, "postgres")
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as error:
            raise RuntimeError(
                f"TITANIUM_POSTGRES_URL is set but PostgreSQL does not answer: {error}"
            ) from error
        finally:
            engine.dispose()
    if backend.redis_url:
        try:
            redis.Redis.from_url(backend.redis_url, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            raise RuntimeError(
                f"TITANIUM_REDIS_URL is set but Redis does not answer: {error}"
            ) from error


@contextmanager
def throwaway_database(backend: Backend, service: str, tmp_dir: str) -> Iterator[str]:
    """A fresh database for one test session: a new PostgreSQL database, or a SQLite file."""
    if not backend.postgres_server_url:
        yield f"sqlite:///{tmp_dir}/{service}.db"
        return
    url = database_on_server(
        backend.postgres_server_url, f"titanium_{service}_test_{uuid.uuid4().hex[:8]}"
    )
    ensure_database(url)
    try:
        yield url
    finally:
        drop_database(url)


def redis_key_prefix(service: str) -> str:
    """A prefix no other test run shares, so suites can run side by side on one Redis."""
    return f"test:{service}:{uuid.uuid4().hex[:8]}:"
