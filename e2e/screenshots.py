"""The screenshots in docs/screenshots/: what a reader sees, light and dark, desktop and phone.

Not a test suite (its name keeps it out of `make e2e`): `make screenshots` runs it on a fresh
local stack with the demo content, signed in as a demo author where the page needs one.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from auth_service.users.cli import DEMO_PASSWORD, demo_email
from e2e.steps import sign_in

pytestmark = pytest.mark.reader

SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
ARTICLE_WITH_CODE = "Bernoulli Numbers, Step by Step"
AUTHOR = "ada"


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> str:
    return request.param


def browser(new_context, scheme: str, viewport: dict, *, signed_in: bool) -> Page:
    page = new_context(viewport=viewport, color_scheme=scheme).new_page()
    if signed_in:
        sign_in(page, demo_email(AUTHOR), DEMO_PASSWORD)
        expect(page).to_have_url(re.compile(r"/$"))
    return page


def shoot(page: Page, name: str, scheme: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOT_DIR / f"{name}-{scheme}.png")


@pytest.mark.parametrize(
    ("name", "path"),
    [("home", "/"), ("profile", f"/profile/{AUTHOR}"), ("search", "/search?q=compiler")],
)
def test_reader_pages(new_context, scheme: str, name: str, path: str):
    page = browser(new_context, scheme, DESKTOP, signed_in=False)
    page.goto(path)
    shoot(page, name, scheme)


def test_article_with_code(new_context, scheme: str):
    page = browser(new_context, scheme, DESKTOP, signed_in=False)
    page.goto(f"/search?q={ARTICLE_WITH_CODE}")
    page.get_by_role("link", name=ARTICLE_WITH_CODE).first.click()
    page.locator(".article-content pre").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -240)")
    shoot(page, "article", scheme)


def test_editor_with_preview(new_context, scheme: str):
    page = browser(new_context, scheme, DESKTOP, signed_in=True)
    page.goto("/editor")
    page.get_by_label("Title").fill("Reading old code aloud")
    page.get_by_label("Description").fill("Why a listener finds what a reader misses")
    page.get_by_label("Body").fill(
        "## Try it\n\nRead a function **aloud** to a colleague:\n\n"
        "```python\ndef greet(name):\n    return f'Hello, {name}'\n```\n"
    )
    expect(page.locator("#preview h2")).to_have_text(re.compile("Try it"))
    shoot(page, "editor", scheme)


def test_phone_header_and_menu(new_context, scheme: str):
    page = browser(new_context, scheme, PHONE, signed_in=True)
    page.goto("/")
    shoot(page, "phone-home", scheme)
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shoot(page, "phone-menu", scheme)
