"""What people do on Titanium, as steps the journeys share. Only the UI: fields found by their
labels, buttons by their names, checks through web-first assertions (expect)."""

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from playwright.sync_api import APIResponse, Locator, Page, expect

PASSWORD = "correct horse battery"


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same deployment) has used."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def path_is(path: str) -> re.Pattern:
    """The page URL's path (plus query) is exactly `path`, on whatever host is under test."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


@dataclass
class Person:
    username: str
    email: str
    password: str = PASSWORD


def sign_up(page: Page) -> Person:
    """A new account through /register; lands on home, signed in."""
    username = unique("e2e")
    person = Person(username, f"{username}@example.test")
    page.goto("/register")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(path_is("/"))
    expect(navbar_profile_link(page, person)).to_be_visible()
    return person


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def navbar_profile_link(page: Page, person: Person) -> Locator:
    return page.locator(f'nav.navbar a[href="/profile/{person.username}"]')


def publish(
    page: Page,
    title: str | None = None,
    *,
    body: str = "A body worth reading.",
    description: str = "What it is about",
    tags: tuple[str, ...] = (),
) -> str:
    """A published article through the editor (signed in); returns its slug."""
    page.goto("/editor")
    fill_editor(page, title or unique("Title "), description, body)
    if tags:
        # Text left in the tag input becomes tags on Publish, with or without JavaScript.
        page.get_by_label("Tags").fill(", ".join(tags))
    page.get_by_role("button", name="Publish Article").click()
    expect(page).to_have_url(re.compile(r"/article/[^/?#]+$"))
    return page.url.rsplit("/", 1)[-1]


def fill_editor(page: Page, title: str, description: str, body: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Body").fill(body)


def post_comment(page: Page, slug: str, body: str) -> None:
    """A comment on the article (signed in); waits until it is listed."""
    if not page.url.endswith(f"/article/{slug}"):
        page.goto(f"/article/{slug}")
    page.get_by_label("Your comment").fill(body)
    page.get_by_role("button", name="Post Comment").click()
    expect(comment_texts(page).filter(has_text=body)).to_have_count(1)


def comment_texts(page: Page) -> Locator:
    return page.locator("#comments .card p.card-text")


def preview_of(page: Page, slug: str) -> Locator:
    """The article preview linking to `slug` in the list on the page."""
    return page.locator(".article-preview").filter(
        has=page.locator(f'a.preview-link[href="/article/{slug}"]')
    )


def csrf_token(page: Page) -> str:
    """The signed-in viewer's CSRF token, as any form of theirs carries it."""
    return page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


def xml_of(response: APIResponse) -> ET.Element:
    """A feed or sitemap, parsed. It comes from the site under test, which we trust here."""
    assert response.ok, (response.url, response.status)
    return ET.fromstring(response.body())  # noqa: S314


def confirm_delete(page: Page) -> None:
    """Delete Article asks first: in a dialog with JavaScript, on a page of its own without.
    Either way the question's own Delete Article button answers it."""
    page.get_by_role("button", name="Delete Article").first.click()
    page.locator("form.delete-confirm").get_by_role("button", name="Delete Article").click()
