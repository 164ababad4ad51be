"""Fixtures of the browser suites.

`E2E_BASE_URL` set: the suites test that deployment and start nothing. Unset: the whole local
stack (scripts.stack, exactly what `make run` starts) runs once per session on free ports with a
throwaway var dir, on SQLite unless TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL say otherwise, and
stops at the end. Every test signs up its own people through the UI.
"""

import os
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
# Names the deployment to test; unset, the local_stack plugin starts one.
DEPLOYMENT_VARIABLE = "E2E_BASE_URL"

expect.set_options(timeout=10_000)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Traces, screenshots and the HTML report always land in e2e/report/, wherever pytest
    was started from (unless --output / --html say otherwise)."""
    if config.getoption("--output", default=None) in (None, "test-results"):
        config.option.output = str(REPORT_DIR / "artifacts")
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(REPORT_DIR / "index.html")
    if not os.environ.get(DEPLOYMENT_VARIABLE):
        config.pluginmanager.import_plugin("e2e.local_stack")


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
def base_url(request: pytest.FixtureRequest) -> str:
    """The site under test: E2E_BASE_URL, or a fresh local stack for this session."""
    if deployed := os.environ.get(DEPLOYMENT_VARIABLE):
        return deployed.rstrip("/")
    return request.getfixturevalue("local_stack_url")


@pytest.fixture
def mail_dir(request: pytest.FixtureRequest, base_url: str) -> Path:
    """The folder the local stack's mail lands in; a deployment's mail is not ours to read."""
    if os.environ.get(DEPLOYMENT_VARIABLE):
        pytest.skip("reads the mail the local stack writes under its var dir")
    return request.getfixturevalue("local_mail_dir")


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
