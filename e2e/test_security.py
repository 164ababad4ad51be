"""QA / security: someone else's article or comment cannot be changed through the UI or by a
direct request; forms without the CSRF token are refused; XSS payloads render inert; the session
cookie is HttpOnly and SameSite=Lax; repeated bad logins get a friendly throttling message, and
the owner signs in after a wait of seconds."""

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from e2e.steps import (
    PASSWORD,
    comment_texts,
    csrf_token,
    path_is,
    post_comment,
    preview_of,
    publish,
    sign_in,
    sign_up,
    unique,
)

pytestmark = pytest.mark.qa

# Each would run script (or load a remote resource) if it reached the page as markup.
XSS_PAYLOAD = (
    '<img src=x onerror="alert(1)" class="xss-probe">'
    '<script class="xss-probe">alert(2)</script>'
    '<svg onload="alert(3)" class="xss-probe"></svg>'
    '<a href="javascript:alert(4)" class="xss-probe">click me</a>'
)
FORBIDDEN = 403


def dialogs_of(page: Page) -> list[str]:
    """Every dialog the page opens, recorded (and dismissed) as it happens."""
    opened: list[str] = []

    def record(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def assert_inert(page: Page, opened: list[str]) -> None:
    expect(page.locator(".xss-probe")).to_have_count(0)
    expect(page.locator('[onerror], [onload], a[href^="javascript:"]')).to_have_count(0)
    assert opened == []


def test_another_authors_article_cannot_be_edited_through_the_ui_or_a_request(
    page: Page, someone_else: Page
):
    sign_up(someone_else)
    slug = publish(someone_else, title := unique("Mine "))
    sign_up(page)

    page.goto(f"/article/{slug}")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(f'a[href="/editor/{slug}"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Delete Article")).to_have_count(0)
    response = page.goto(f"/editor/{slug}")
    assert response.status == FORBIDDEN
    expect(page.locator(".error-page h1")).to_have_text("That is not yours to change")

    page.goto("/settings")
    forged = page.request.post(
        f"/editor/{slug}",
        form={
            "csrf_token": csrf_token(page),
            "title": "Hijacked",
            "description": "d",
            "body": "b",
            "action": "publish",
        },
        max_redirects=0,
    )

    assert forged.status == FORBIDDEN
    page.goto(f"/article/{slug}")
    expect(page.locator("h1")).to_have_text(title)


def test_another_authors_article_cannot_be_deleted_by_a_request(page: Page, someone_else: Page):
    sign_up(someone_else)
    slug = publish(someone_else, title := unique("Keep me "))
    sign_up(page)
    page.goto(f"/article/{slug}")

    forged = page.request.post(
        f"/article/{slug}/delete", form={"csrf_token": csrf_token(page)}, max_redirects=0
    )

    assert forged.status == FORBIDDEN
    page.reload()
    expect(page.locator("h1")).to_have_text(title)


def test_another_authors_comment_cannot_be_deleted_through_the_ui_or_a_request(
    page: Page, someone_else: Page
):
    sign_up(someone_else)
    slug = publish(someone_else)
    comment = unique("Their comment ")
    post_comment(someone_else, slug, comment)
    action = someone_else.locator("#comments .mod-options form").get_attribute("action")
    sign_up(page)

    page.goto(f"/article/{slug}")
    expect(comment_texts(page)).to_have_text([comment])
    expect(page.locator("#comments .mod-options")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete comment")).to_have_count(0)
    forged = page.request.post(action, form={"csrf_token": csrf_token(page)}, max_redirects=0)

    assert forged.status == FORBIDDEN
    page.reload()
    expect(comment_texts(page)).to_have_text([comment])


def test_a_form_post_without_the_csrf_token_is_refused(page: Page, someone_else: Page):
    sign_up(someone_else)
    slug = publish(someone_else)
    sign_up(page)
    page.goto(f"/article/{slug}")

    without = page.request.post(
        f"/article/{slug}/comments", form={"body": "no token"}, max_redirects=0
    )
    forged = page.request.post(
        f"/article/{slug}/comments",
        form={"body": "forged token", "csrf_token": "not-a-real-token"},
        max_redirects=0,
    )
    favorite = page.request.post(f"/article/{slug}/favorite", form={}, max_redirects=0)

    assert (without.status, forged.status, favorite.status) == (400, 400, 400)
    assert "This form has expired" in without.text()
    page.reload()
    expect(comment_texts(page)).to_have_count(0)
    expect(page.locator(".banner .favorite-form button")).to_contain_text("(0)")


def test_xss_in_a_title_renders_inert(page: Page):
    opened = dialogs_of(page)
    sign_up(page)
    title = f"T {XSS_PAYLOAD}"  # 200 characters: the longest title there is

    slug = publish(page, title, tags=(tag := unique("xss"),))

    expect(page.locator("h1")).to_have_text(title)
    assert_inert(page, opened)
    page.goto(f"/tag/{tag}")
    expect(preview_of(page, slug).locator("h1")).to_have_text(title)
    assert_inert(page, opened)


def test_xss_in_a_body_renders_inert(page: Page):
    opened = dialogs_of(page)
    sign_up(page)
    body = f"Harmless words.\n\n{XSS_PAYLOAD}\n\n[a link](javascript:alert(5))"

    publish(page, body=body)

    expect(page.locator(".article-content")).to_contain_text("Harmless words.")
    assert_inert(page, opened)
    page.goto("/editor")
    page.get_by_label("Body").fill(body)
    expect(page.locator("#preview")).to_contain_text("Harmless words.")
    assert_inert(page, opened)


def test_xss_in_a_bio_renders_inert(page: Page):
    opened = dialogs_of(page)
    person = sign_up(page)
    page.goto("/settings")
    page.get_by_label("Bio").fill(XSS_PAYLOAD)
    # javascript: is refused outright (e2e/test_images.py); an https URL that tries to break
    # out of the attribute stays one inert attribute value.
    image = 'https://images.example.test/a.png" onerror="alert(7)'
    page.get_by_label("Profile picture URL").fill(image)

    page.get_by_role("button", name="Update Settings").click()

    expect(page).to_have_url(path_is(f"/profile/{person.username}"))
    expect(page.locator(".user-info p")).to_have_text(XSS_PAYLOAD)
    expect(page.locator(".user-info img.user-img")).to_have_attribute("src", image)
    assert_inert(page, opened)


def test_xss_in_a_comment_renders_inert(page: Page, someone_else: Page):
    opened = dialogs_of(someone_else)
    sign_up(someone_else)
    slug = publish(someone_else)
    sign_up(page)

    post_comment(page, slug, XSS_PAYLOAD)

    someone_else.reload()
    expect(comment_texts(someone_else)).to_have_text([XSS_PAYLOAD])
    assert_inert(someone_else, opened)


def test_the_session_cookie_is_httponly_and_samesite_lax(page: Page):
    page.goto("/")
    assert page.context.cookies() == [], "an anonymous page must not start a session"

    sign_up(page)

    (session,) = page.context.cookies()
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""


def test_repeated_bad_logins_get_a_friendly_message_and_the_owner_waits_seconds(
    visitor: Page, someone_else: Page
):
    person = sign_up(someone_else)
    errors = visitor.locator("ul.error-messages li")
    throttled = re.compile(r"^Too many failed sign-in attempts\. Try again in (\d+) seconds?\.$")

    for _ in range(5):
        sign_in(visitor, person.email, "wrong password")
        expect(errors).to_have_text(["email or password is invalid"])
    # Each further failure makes the next attempt wait longer: 1 s, 2 s, 4 s, ... (sign_in
    # starts from a fresh /login, so the one message is always the answer to this attempt).
    for _ in range(5):
        sign_in(visitor, person.email, "wrong password")
        expect(errors).to_have_count(1)
        if throttled.match(message := errors.first.inner_text()):
            break
    expect(errors).to_have_text([throttled])
    expect(visitor).to_have_url(path_is("/login"))

    wait = int(throttled.match(message).group(1))
    visitor.wait_for_timeout(wait * 1000)
    sign_in(visitor, person.email, PASSWORD)
    expect(visitor).to_have_url(path_is("/"))  # seconds later, never a 15-minute lock
