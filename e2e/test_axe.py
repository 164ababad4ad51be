"""Accessibility as a gate (issue 13, part 5): axe-core over every page and state a person can
reach, in light and dark, on a desktop (1280 x 800) and a phone (390 x 844).

One test per state x scheme x viewport. A serious or critical violation fails it, naming the
rule, its impact, the elements (CSS selectors) and axe's help page; moderate and minor ones are
reported as warnings (pytest's warnings summary) and in e2e/report/axe-summary.json, and do not
fail. The people and articles are set up once for the module, each person in one browser
context that every state of theirs reuses.
"""

import json
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.axe import audit, report, serve_axe
from e2e.conftest import DEPLOYMENT_VARIABLE, REPORT_DIR
from e2e.steps import Person, confirm_delete, post_comment, publish, sign_up, unique
from e2e.test_accounts import reset_link

pytestmark = pytest.mark.a11y

SCHEMES = ("light", "dark")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SUMMARY_FILE = REPORT_DIR / "axe-summary.json"
# Markdown with what an article page has to present: headings, code (block and inline), a
# quote, a list, a table-less link.
ARTICLE_BODY = """An introduction with `inline code` and [a link](https://example.org/).

## Setting things up

Install it, then run:

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"  # a comment
```

### A detail

> A quotation worth keeping.

- one point
- another point
"""


class AdviceWarning(UserWarning):
    """A moderate or minor axe finding: reported, not failing."""


@dataclass
class Site:
    """What the states show: people, their articles and the links only mail carries."""

    author: Person
    reader: Person
    newcomer: Person
    slug: str
    title_word: str
    tag: str
    reset_link: str | None
    findings: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def pages(browser: Browser, browser_context_args: dict, base_url: str):
    """One browser context (own cookies) per role, axe served in each."""
    contexts = {}
    for role in ("anonymous", "author", "reader", "newcomer"):
        context = browser.new_context(**{**browser_context_args, "base_url": base_url})
        serve_axe(context, base_url)
        contexts[role] = context
    made = {role: context.new_page() for role, context in contexts.items()}
    for page in made.values():
        # Leaving an editor with unsaved typing asks first (app.js): leave.
        page.on("dialog", lambda dialog: dialog.accept())
    yield made
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def site(pages: dict[str, Page], request: pytest.FixtureRequest):
    author, reader, newcomer = (sign_up(pages[role]) for role in ("author", "reader", "newcomer"))
    writing = pages["author"]
    title_word = unique("Accessible")
    tag = unique("a11y")
    slug = publish(
        writing, f"{title_word} code and headings", body=ARTICLE_BODY, tags=(tag, "testing")
    )
    post_comment(writing, slug, "The author answers here.")
    # A draft for the Drafts tab, and a deleted article for the trash.
    writing.goto("/editor")
    writing.get_by_label("Title").fill(unique("A draft "))
    writing.get_by_label("Description").fill("Not ready yet")
    writing.get_by_label("Body").fill("Still writing.")
    writing.get_by_role("button", name="Save Draft").click()
    expect(writing.locator(".draft-note")).to_be_visible()
    publish(writing, unique("Soon deleted "))
    confirm_delete(writing)
    expect(writing).to_have_url(re.compile(r"/$"))

    reading = pages["reader"]
    post_comment(reading, slug, "A reader's comment, kindly worded.")
    reading.get_by_role("button", name=re.compile("^Favorite Article")).first.click()
    unfavorite = reading.get_by_role("button", name=re.compile("^Unfavorite Article"))
    expect(unfavorite.first).to_be_visible()
    reading.goto(f"/profile/{author.username}")
    reading.get_by_role("button", name=f"Follow {author.username}").click()
    expect(reading.get_by_role("button", name=f"Unfollow {author.username}")).to_be_visible()

    found = Site(author, reader, newcomer, slug, title_word, tag, reset_link=None)
    if not os.environ.get(DEPLOYMENT_VARIABLE):
        anonymous = pages["anonymous"]
        anonymous.goto("/forgot-password")
        anonymous.get_by_label("Email").fill(newcomer.email)
        anonymous.get_by_role("button", name="Send me a link").click()
        expect(anonymous.locator(".reset-sent")).to_be_visible()
        found.reset_link = reset_link(request.getfixturevalue("local_mail_dir"), newcomer.email)
    yield found
    write_summary(found.findings)


# -- the states ---------------------------------------------------------------------------


def visit(path: str | Callable[[Site], str]) -> Callable[[Page, Site], None]:
    def setup(page: Page, site: Site) -> None:
        page.goto(path(site) if callable(path) else path)

    return setup


def delete_dialog(page: Page, site: Site) -> None:
    page.goto(f"/article/{site.slug}")
    page.get_by_role("button", name="Delete Article").first.click()
    expect(page.locator("#delete-dialog")).to_be_visible()


def submit_empty(button: str, path: str) -> Callable[[Page, Site], None]:
    def setup(page: Page, site: Site) -> None:
        page.goto(path)
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.locator("ul.error-messages li").first).to_be_visible()

    return setup


def editor_preview(page: Page, site: Site) -> None:
    page.goto("/editor")
    page.get_by_label("Body").fill(ARTICLE_BODY)
    expect(page.locator("#preview h2")).to_be_visible()


def editor_upload_error(page: Page, site: Site) -> None:
    page.goto("/editor")
    page.get_by_label("Add an image").set_input_files(
        {"name": "x.svg", "mimeType": "image/svg+xml", "buffer": b"<svg></svg>"}
    )
    expect(page.locator("[data-upload-error] li")).to_have_count(1)


def settings_errors(page: Page, site: Site) -> None:
    page.goto("/settings")
    page.get_by_label("New password").fill("a password nobody confirmed")
    page.get_by_role("button", name="Update Settings").click()
    expect(page.locator("ul.error-messages li").first).to_be_visible()


def forgot_sent(page: Page, site: Site) -> None:
    page.goto("/forgot-password")
    page.get_by_label("Email").fill("nobody@example.test")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator(".reset-sent")).to_be_visible()


def reset_page(page: Page, site: Site) -> None:
    if site.reset_link is None:
        pytest.skip("the reset link comes by mail, which only the local stack lets us read")
    page.goto(site.reset_link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()


# name -> (whose browser, how to get there)
STATES: dict[str, tuple[str, Callable[[Page, Site], None]]] = {
    "home-anonymous": ("anonymous", visit("/")),
    "home-signed-in": ("reader", visit("/")),
    "home-your-feed-empty": ("newcomer", visit("/?feed=following")),
    "home-your-feed": ("reader", visit("/?feed=following")),
    "home-tag": ("anonymous", visit(lambda site: f"/tag/{site.tag}")),
    "home-page-2": ("anonymous", visit("/?page=2")),
    "article-anonymous": ("anonymous", visit(lambda site: f"/article/{site.slug}")),
    "article-reader": ("reader", visit(lambda site: f"/article/{site.slug}")),
    "article-author": ("author", visit(lambda site: f"/article/{site.slug}")),
    "article-delete-dialog": ("author", delete_dialog),
    "article-delete-page": ("author", visit(lambda site: f"/article/{site.slug}/delete")),
    "editor-new": ("author", visit("/editor")),
    "editor-editing": ("author", visit(lambda site: f"/editor/{site.slug}")),
    "editor-errors": ("author", submit_empty("Publish Article", "/editor")),
    "editor-preview": ("author", editor_preview),
    "editor-upload-error": ("author", editor_upload_error),
    "login": ("anonymous", visit("/login")),
    "login-errors": ("anonymous", submit_empty("Sign in", "/login")),
    "register": ("anonymous", visit("/register")),
    "register-errors": ("anonymous", submit_empty("Sign up", "/register")),
    "settings": ("reader", visit("/settings")),
    "settings-errors": ("newcomer", settings_errors),
    "profile-own": ("author", visit(lambda site: f"/profile/{site.author.username}")),
    "profile-other": ("reader", visit(lambda site: f"/profile/{site.author.username}")),
    "profile-favorites": (
        "anonymous",
        visit(lambda site: f"/profile/{site.reader.username}/favorites"),
    ),
    "profile-drafts": ("author", visit(lambda site: f"/profile/{site.author.username}/drafts")),
    "profile-empty": ("anonymous", visit(lambda site: f"/profile/{site.newcomer.username}")),
    "search": ("anonymous", visit("/search")),
    "search-results": ("anonymous", visit(lambda site: f"/search?q={site.title_word}")),
    "search-no-results": ("anonymous", visit("/search?q=zqxjv-matches-nothing")),
    "trash": ("author", visit("/trash")),
    "trash-empty": ("newcomer", visit("/trash")),
    "forgot-password": ("anonymous", visit("/forgot-password")),
    "forgot-password-errors": ("anonymous", submit_empty("Send me a link", "/forgot-password")),
    "forgot-password-sent": ("anonymous", forgot_sent),
    "reset-password": ("anonymous", reset_page),
    "not-found": ("anonymous", visit("/no-such-page-here")),
}
CASES = [
    pytest.param(state, scheme, viewport, id=f"{state}-{scheme}-{viewport}")
    for state in STATES
    for scheme in SCHEMES
    for viewport in VIEWPORTS
]


@pytest.mark.parametrize(("state", "scheme", "viewport"), CASES)
def test_no_serious_or_critical_axe_violations(
    pages: dict[str, Page], site: Site, state: str, scheme: str, viewport: str
):
    role, setup = STATES[state]
    page = pages[role]
    page.set_viewport_size(VIEWPORTS[viewport])
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    setup(page, site)
    # A manual theme toggle (data-theme on <html>) wins over the system's scheme: force it too.
    page.evaluate("scheme => document.documentElement.setAttribute('data-theme', scheme)", scheme)

    violations = audit(page)

    where = f"{state} ({scheme}, {viewport}) at {page.url}"
    for violation in violations:
        site.findings.setdefault((violation.rule, violation.impact), {})[
            f"{state}-{scheme}-{viewport}"
        ] = len(violation.targets)
        if not violation.blocking:
            warnings.warn(
                AdviceWarning(f"{violation.impact} {violation.rule}: {violation.help}"),
                stacklevel=1,
            )
    if any(violation.blocking for violation in violations):
        pytest.fail(report(where, violations), pytrace=False)


def write_summary(findings: dict) -> None:
    """Every rule axe found, with its impact and the states (nodes) it was found on."""
    summary = [
        {
            "rule": rule,
            "impact": impact,
            "states": len(states),
            "nodes": sum(states.values()),
            "where": states,
        }
        for (rule, impact), states in sorted(findings.items())
    ]
    Path(SUMMARY_FILE).parent.mkdir(parents=True, exist_ok=True)
    SUMMARY_FILE.write_text(json.dumps(summary, indent=2) + "\n")
