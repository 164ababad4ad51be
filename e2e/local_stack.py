"""The local stack the browser suites run on when no deployment is named (E2E_BASE_URL unset).

A pytest plugin that conftest.py loads only then: it starts the whole stack with scripts.stack
(exactly what `make run` starts), which needs the dev requirements. Against a deployment the
suites need requirements/e2e.txt alone, so nothing here is imported.
"""

import shutil
import uuid
from dataclasses import fields
from pathlib import Path

import pytest
import redis

from scripts.stack import Ports, Stack, StackConfig, free_port, launch

# Beside the HTML report (conftest.REPORT_DIR), so a failed run's logs travel with it.
STACK_LOG_DIR = Path(__file__).resolve().parent / "report" / "stack-logs"
# A local stack for browsers: cheap password hashing, fast profile relay, no gateway rate limit
# and no sign-up limit (one browser is one client making every request of the run).
LOCAL_STACK_ENV = {
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "8192",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
    "RATE_LIMIT_REQUESTS": "0",
    "REGISTRATIONS_PER_CLIENT": "0",
    "PASSWORD_RESETS_PER_CLIENT": "0",
    # A password reset ends API tokens within one poll of the revocation feed: a short one.
    "REVOCATION_POLL_SECONDS": "1",
    # How long the webapp waits for a sign-in before asking to try again: short, so the slow
    # auth_service journey waits seconds, yet ample for cheap hashing.
    "AUTH_WRITE_TIMEOUT_SECONDS": "5",
    "LOG_LEVEL": "WARNING",
}
# The running stack (its var dir's mail folder is where a mail without MAIL_URL goes).
RUNNING: list[Stack] = []


@pytest.fixture(scope="session")
def local_stack_url(tmp_path_factory: pytest.TempPathFactory):
    """A fresh stack on free ports with a throwaway var dir, on SQLite unless
    TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL say otherwise; stopped at the end."""
    run = uuid.uuid4().hex[:8]
    from_env = StackConfig.from_environment()
    config = StackConfig(
        var_dir=tmp_path_factory.mktemp("e2e-stack") / "var",
        ports=Ports(*(free_port() for _ in fields(Ports))),
        postgres_server_url=from_env.postgres_server_url,
        redis_url=from_env.redis_url,
        workers=from_env.workers,
        database_suffix=f"_e2e_{run}",
        redis_namespace=f"e2e:{run}",
        extra_env=LOCAL_STACK_ENV,
    )
    shutil.rmtree(STACK_LOG_DIR, ignore_errors=True)
    STACK_LOG_DIR.mkdir(parents=True)
    stack = launch(config, STACK_LOG_DIR)
    RUNNING.append(stack)
    try:
        yield stack.url
    finally:
        stack.shutdown(drop_databases=True)
        if config.redis_url:
            forget_redis_namespace(config.redis_url, config.redis_namespace)


@pytest.fixture(scope="session")
def local_mail_dir(local_stack_url) -> Path:
    """Where the local stack's auth_service writes each mail as a .eml file (no MAIL_URL)."""
    return RUNNING[-1].config.var_dir / "mail"


@pytest.fixture(scope="session")
def local_stack(local_stack_url) -> Stack:
    """The running local stack itself, for journeys that need a server to misbehave."""
    return RUNNING[-1]


def forget_redis_namespace(redis_url: str, namespace: str) -> None:
    """Delete what this run's stack kept in a shared Redis (some keys never expire)."""
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{namespace}:*", count=500):
            client.delete(key)
    finally:
        client.close()
