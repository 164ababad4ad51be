"""Author: a slow auth_service (password hashing under load) never shows a raw 503 page, and a
sign-up it finished behind the message is not lost nor refused as taken when sent again.

Needs the local stack (auth_service is paused: it accepts connections and answers nothing);
against a deployment it is skipped."""

import os

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEPLOYMENT_VARIABLE
from e2e.steps import PASSWORD, navbar_profile_link, path_is, sign_up, unique

pytestmark = [
    pytest.mark.author,
    pytest.mark.skipif(
        bool(os.environ.get(DEPLOYMENT_VARIABLE)), reason="pauses the local stack's auth_service"
    ),
]


def test_a_slow_sign_in_asks_to_try_again_on_the_form(
    visitor: Page, someone_else: Page, local_stack
):
    page = visitor
    person = sign_up(someone_else)
    page.goto("/login")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)

    with local_stack.paused("auth_service"):
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("taking longer than usual")).to_be_visible(timeout=20_000)

    expect(page.get_by_label("Email")).to_have_value(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(navbar_profile_link(page, person)).to_be_visible()


def test_a_sign_up_sent_again_after_a_timeout_signs_in(page: Page, local_stack):
    username = unique("slow")
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.test")
    page.get_by_label("Password").fill(PASSWORD)

    with local_stack.paused("auth_service"):
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_text("taking longer than usual")).to_be_visible(timeout=20_000)
    # Resumed, auth_service finishes the sign-up it was given: the account exists now. The same
    # form, sent again, must sign in to it rather than say the email is taken.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(path_is("/"))
    expect(page.locator(f'nav.navbar a[href="/profile/{username}"]')).to_be_visible()
