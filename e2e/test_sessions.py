"""QA / security: signing out is real. A session cookie copied before logout signs nobody in
afterwards, and changing the password signs every other browser out while the browser that
changed it stays signed in. Two browsers are two Playwright contexts."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.steps import PASSWORD, Person, navbar_profile_link, path_is, sign_in, sign_up

pytestmark = pytest.mark.qa


def expect_signed_out(page: Page, person: Person) -> None:
    page.goto("/")
    navbar = page.locator("nav.navbar")
    expect(navbar.get_by_role("link", name="Sign in")).to_be_visible()
    expect(navbar_profile_link(page, person)).to_have_count(0)
    page.goto("/editor")
    expect(page).to_have_url(path_is("/login"))


def test_a_cookie_copied_before_logout_signs_nobody_in(visitor: Page, new_context):
    person = sign_up(visitor)
    copied = visitor.context.cookies()
    visitor.goto("/settings")

    visitor.get_by_role("button", name="Or click here to logout").click()
    expect(visitor).to_have_url(path_is("/"))
    thief: BrowserContext = new_context()
    thief.add_cookies(copied)

    expect_signed_out(thief.new_page(), person)


def test_changing_the_password_signs_the_other_browser_out(visitor: Page, someone_else: Page):
    person = sign_up(visitor)
    sign_in(someone_else, person.email, PASSWORD)
    expect(navbar_profile_link(someone_else, person)).to_be_visible()

    visitor.goto("/settings")
    visitor.get_by_label("New password").fill("a brand new passphrase")
    visitor.get_by_label("Current password").fill(PASSWORD)
    visitor.get_by_role("button", name="Update Settings").click()

    expect(visitor).to_have_url(path_is(f"/profile/{person.username}"))
    expect_signed_out(someone_else, person)
    visitor.goto("/editor")
    expect(visitor).to_have_url(path_is("/editor"))  # this browser goes on
    expect(navbar_profile_link(visitor, person)).to_be_visible()
