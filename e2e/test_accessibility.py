"""Accessibility smoke: landmarks, a label for every field, a comment posted with the keyboard
only, and no sideways scrolling on a phone-sized screen."""

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import comment_texts, publish, sign_up, unique

pytestmark = pytest.mark.a11y

# Every field a person types into, by the label that names it, per page.
LABELLED_FIELDS = {
    "/register": ("Username", "Email", "Password"),
    "/login": ("Email", "Password"),
    "/search": ("Search articles",),
    "/editor": ("Title", "Description", "Body", "Tags"),
    "/settings": (
        "Profile picture URL",
        "Username",
        "Bio",
        "Email",
        "New password",
        "Current password",
    ),
}
UNLABELLED_FIELDS_JS = """() => Array.from(
    document.querySelectorAll('main input:not([type=hidden]), main textarea, main select')
  ).filter(field => !field.labels?.length && !field.getAttribute('aria-label')
                    && !field.getAttribute('aria-labelledby'))
   .map(field => field.name || field.id || field.outerHTML)"""


def expect_landmarks(page: Page) -> None:
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)


def test_pages_have_header_nav_main_and_footer_landmarks(page: Page):
    person = sign_up(page)
    slug = publish(page)

    for path in ("/", f"/article/{slug}", f"/profile/{person.username}", "/editor", "/search"):
        page.goto(path)
        expect_landmarks(page)
    page.get_by_role("link", name="Skip to content").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_every_form_field_has_a_label(page: Page, someone_else: Page):
    for path in ("/register", "/login"):
        someone_else.goto(path)
        for label in LABELLED_FIELDS[path]:
            expect(someone_else.get_by_label(label, exact=False)).to_be_editable()
        assert someone_else.evaluate(UNLABELLED_FIELDS_JS) == []
    sign_up(page)
    slug = publish(page)

    for path in ("/search", "/editor", "/settings"):
        page.goto(path)
        for label in LABELLED_FIELDS[path]:
            expect(page.get_by_label(label, exact=False)).to_be_editable()
        assert page.evaluate(UNLABELLED_FIELDS_JS) == []
    page.goto(f"/article/{slug}")
    expect(page.get_by_label("Your comment")).to_be_editable()
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []


def test_a_comment_can_be_posted_with_the_keyboard_only(visitor: Page, someone_else: Page):
    sign_up(someone_else)
    slug = publish(someone_else)
    sign_up(visitor)
    visitor.goto(f"/article/{slug}")
    comment = unique("Typed without a mouse ")
    textarea = visitor.get_by_label("Your comment")

    for _ in range(40):  # Tab through the page, as a keyboard user does, to the comment box
        visitor.keyboard.press("Tab")
        if textarea.evaluate("field => field === document.activeElement"):
            break
    expect(textarea).to_be_focused()
    visitor.keyboard.type(comment)
    visitor.keyboard.press("Tab")
    expect(visitor.get_by_role("button", name="Post Comment")).to_be_focused()
    visitor.keyboard.press("Enter")

    expect(comment_texts(visitor)).to_have_text([comment])


@pytest.mark.parametrize(
    "where", ["home", "article", "profile", "editor", "settings", "search", "sign-in"]
)
def test_a_phone_sized_viewport_has_no_horizontal_scrolling(
    phone: Page, someone_else: Page, where: str
):
    paths = {"home": "/", "search": "/search?q=the", "sign-in": "/login"}
    if where not in paths:
        person = sign_up(phone)
        long_word = "Supercalifragilisticexpialidocious" * 3
        slug = publish(
            phone,
            f"A rather long title for a small screen {long_word}",
            body=f"A paragraph with a {long_word} word.\n\n    code line " + "x" * 200,
            tags=("phone",),
        )
        paths |= {
            "article": f"/article/{slug}",
            "profile": f"/profile/{person.username}",
            "editor": "/editor",
            "settings": "/settings",
        }

    phone.goto(paths[where])

    expect(phone.get_by_role("main")).to_be_visible()
    expect(phone.locator("footer")).to_be_attached()
    width, client = phone.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width <= client, f"{paths[where]} is {width}px wide on a {client}px screen"
