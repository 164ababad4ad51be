"""Fixtures of the browser suites.

`E2E_BASE_URL` set: the suites test that deployment and start nothing. Unset: the whole local
stack (scripts.stack, exactly what `make run` starts) runs once per session on free ports with a
throwaway var dir, on SQLite unless TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL say otherwise, and
stops at the end. Every test signs up its own people through the UI.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

E2E_DIR = Path(__file__).resolve().parent
REPORT_DIR = E2E_DIR / "report"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# A local stack for browsers: cheap password hashing, fast profile relay, no gateway rate limit
# and no sign-up limit (one browser is one client making every request of the run).
LOCAL_STACK_ENV = {
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "8192",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
    "RATE_LIMIT_REQUESTS": "0",
    "REGISTRATIONS_PER_CLIENT": "0",
    "LOG_LEVEL": "WARNING",
}

expect.set_options(timeout=10_000)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Traces, screenshots and the HTML report always land in e2e/report/, wherever pytest
    was started from (unless --output / --html say otherwise)."""
    if config.getoption("--output", default=None) in (None, "test-results"):
        config.option.output = str(REPORT_DIR / "artifacts")
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(REPORT_DIR / "index.html")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    groups = {"reader", "author", "qa", "a11y"}
    for item in items:
        if not groups & {mark.name for mark in item.iter_markers()}:
            raise pytest.UsageError(f"{item.nodeid} has none of the markers {sorted(groups)}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """The system's Chromium when there is one (CI installs it with apt); Playwright's own
    browser otherwise."""
    if SYSTEM_CHROMIUM.exists():
        return {
            **browser_type_launch_args,
            "executable_path": str(SYSTEM_CHROMIUM),
            "args": CHROMIUM_ARGS,
        }
    return browser_type_launch_args


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory):
    """The site under test: E2E_BASE_URL, or a fresh local stack for this session."""
    if deployed := os.environ.get("E2E_BASE_URL"):
        yield deployed.rstrip("/")
        return
    from scripts.stack import Ports, StackConfig, free_port, launch

    run = uuid.uuid4().hex[:8]
    from_env = StackConfig.from_environment()
    config = StackConfig(
        var_dir=tmp_path_factory.mktemp("e2e-stack") / "var",
        ports=Ports(*(free_port() for _ in range(5))),
        postgres_server_url=from_env.postgres_server_url,
        redis_url=from_env.redis_url,
        workers=from_env.workers,
        database_suffix=f"_e2e_{run}",
        redis_namespace=f"e2e:{run}",
        extra_env=LOCAL_STACK_ENV,
    )
    log_dir = REPORT_DIR / "stack-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    stack = launch(config, log_dir)
    try:
        yield stack.url
    finally:
        stack.shutdown(drop_databases=True)
        if config.redis_url:
            forget_redis_namespace(config.redis_url, config.redis_namespace)


def forget_redis_namespace(redis_url: str, namespace: str) -> None:
    """Delete what this run's stack kept in a shared Redis (some keys never expire)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{namespace}:*", count=500):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(params=[True, False], ids=["javascript-on", "javascript-off"])
def javascript(request: pytest.FixtureRequest) -> bool:
    """Runs a flow that exists without JavaScript twice: with it and with it turned off."""
    return request.param


@pytest.fixture
def visitor(new_context, javascript: bool) -> Page:
    """A fresh browser (own cookies), JavaScript on or off as the test is parametrized."""
    return new_context(java_script_enabled=javascript).new_page()


@pytest.fixture
def someone_else(new_context) -> Page:
    """A second person in their own browser context (JavaScript on)."""
    return new_context().new_page()


@pytest.fixture
def phone(new_context) -> Page:
    """A phone-sized browser (375 x 667)."""
    return new_context(viewport={"width": 375, "height": 667}).new_page()
