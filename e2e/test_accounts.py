"""Accounts people can recover, and sign-in that returns them where they were (issue 11, items
5 and 6): "Forgot password?" mails a single-use link (the local stack writes it as a .eml file
under its var dir), the new password signs every other browser out and ends the account's API
tokens; signing in from /editor or an article's "Sign in to comment" comes back there."""

import email
import email.policy
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import (
    PASSWORD,
    Person,
    navbar_profile_link,
    path_is,
    publish,
    sign_in,
    sign_up,
)

pytestmark = pytest.mark.author

NEW_PASSWORD = "a freshly reset passphrase"
LINK = re.compile(r"https?://\S+/reset-password\?token=\S+")


def reset_link(mail_dir: Path, address: str, timeout: float = 15.0) -> str:
    """The link in the newest reset mail to `address` (mail goes out just after the reply)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml"), reverse=True):
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address and "Reset" in mail["Subject"]:
                return LINK.search(mail.get_body(("plain",)).get_content()).group(0)
        time.sleep(0.2)
    raise AssertionError(f"no reset mail to {address} in {mail_dir}")


def api_token(page: Page, person: Person, password: str = PASSWORD) -> str:
    body = {"user": {"email": person.email, "password": password}}
    response = page.request.post("/api/users/login", data=body)
    assert response.status == 200, response.text()
    return response.json()["user"]["token"]


def api_user_status(page: Page, token: str) -> int:
    return page.request.get("/api/user", headers={"Authorization": f"Token {token}"}).status


def test_forgot_password_resets_it_and_signs_everything_else_out(
    visitor: Page, someone_else: Page, mail_dir: Path
):
    person = sign_up(someone_else)  # a browser that stays signed in...
    token = api_token(someone_else, person)  # ...and an API client
    assert api_user_status(someone_else, token) == 200

    visitor.goto("/login")
    visitor.get_by_role("link", name="Forgot password?").click()
    visitor.get_by_label("Email").fill(person.email)
    visitor.get_by_role("button", name="Send me a link").click()
    expect(
        visitor.get_by_text("If an account exists for that address, we sent a link")
    ).to_be_visible()

    link = reset_link(mail_dir, person.email)
    visitor.goto(link)
    visitor.get_by_label("New password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Set new password").click()
    expect(visitor).to_have_url(path_is("/login"))
    expect(visitor.get_by_text("Your password is changed")).to_be_visible()

    sign_in(visitor, person.email, NEW_PASSWORD)
    expect(visitor).to_have_url(path_is("/"))
    expect(navbar_profile_link(visitor, person)).to_be_visible()

    # The other browser is signed out at once...
    someone_else.goto("/")
    expect(someone_else.locator("nav.navbar").get_by_role("link", name="Sign in")).to_be_visible()
    # ...and the API token ends within one poll of the revocation feed.
    deadline = time.monotonic() + 15
    while api_user_status(someone_else, token) != 401:
        assert time.monotonic() < deadline, "the old API token still works"
        time.sleep(0.5)
    # The link worked once.
    visitor.goto(link)
    expect(visitor.get_by_text("This link is invalid or has expired.")).to_be_visible()


def test_forgot_password_answers_the_same_for_an_unknown_email(visitor: Page):
    visitor.goto("/forgot-password")
    visitor.get_by_label("Email").fill("nobody-here@example.test")
    visitor.get_by_role("button", name="Send me a link").click()
    expect(
        visitor.get_by_text("If an account exists for that address, we sent a link")
    ).to_be_visible()


def test_signing_in_from_the_editor_returns_to_the_editor(visitor: Page, someone_else: Page):
    person = sign_up(someone_else)
    visitor.goto("/editor")
    expect(visitor).to_have_url(path_is("/login"))

    sign_in(visitor, person.email, PASSWORD)

    expect(visitor).to_have_url(path_is("/editor"))
    expect(visitor.get_by_text(f"Welcome back, {person.username}!")).to_be_visible()


def test_sign_in_to_comment_returns_to_the_article(visitor: Page, someone_else: Page, new_context):
    sign_up(someone_else)
    slug = publish(someone_else)
    reader = sign_up(new_context().new_page())

    visitor.goto(f"/article/{slug}")
    visitor.locator(".comment-signin").get_by_role("link", name="Sign in").click()
    visitor.get_by_label("Email").fill(reader.email)
    visitor.get_by_label("Password").fill(PASSWORD)
    visitor.get_by_role("button", name="Sign in").click()

    expect(visitor).to_have_url(path_is(f"/article/{slug}"))
    expect(visitor.get_by_label("Your comment")).to_be_visible()


def test_settings_refuse_a_new_password_without_the_current_one(visitor: Page):
    person = sign_up(visitor)
    visitor.goto("/settings")
    visitor.get_by_label("New password").fill("a password nobody confirmed")
    visitor.get_by_role("button", name="Update Settings").click()

    expect(visitor).to_have_url(path_is("/settings"))
    expect(visitor.locator("ul.error-messages li")).to_have_text(
        ["current password can't be blank"]
    )
    visitor.get_by_label("New password").fill("a password nobody confirmed")
    visitor.get_by_label("Current password").fill("not the password")
    visitor.get_by_role("button", name="Update Settings").click()
    expect(visitor.locator("ul.error-messages li")).to_have_text(["current password is wrong"])

    visitor.get_by_role("button", name="Or click here to logout").click()
    sign_in(visitor, person.email, PASSWORD)  # the password is unchanged
    expect(navbar_profile_link(visitor, person)).to_be_visible()
