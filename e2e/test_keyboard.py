"""Keyboard only (issue 13, part 5): reading, writing and commenting with Tab, typing and Enter,
never a click. Each step checks where the focus is, as a person using the keyboard would see it.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.steps import (
    PASSWORD,
    comment_texts,
    navbar_profile_link,
    path_is,
    publish,
    sign_up,
    unique,
)

pytestmark = pytest.mark.a11y

# More Tab presses than any page here needs to reach what it is after.
MAX_TABS = 40
IS_FOCUSED = "element => element === document.activeElement"


def tab_to(page: Page, target: Locator, max_tabs: int = MAX_TABS) -> int:
    """Press Tab until `target` has the focus; how many presses it took. The focus never falls
    back to <body> on the way."""
    for presses in range(1, max_tabs + 1):
        page.keyboard.press("Tab")
        if target.evaluate(IS_FOCUSED):
            return presses
        assert page.evaluate("document.activeElement !== document.body"), (
            f"focus fell to <body> after {presses} Tab presses on {page.url}"
        )
    raise AssertionError(f"{target} not reached in {max_tabs} Tab presses on {page.url}")


def test_reading_skip_link_then_the_first_article_then_enter_opens_it(visitor: Page):
    visitor.goto("/")
    first = visitor.locator(".article-preview a.preview-link").first
    title = first.locator("h1").inner_text()

    visitor.keyboard.press("Tab")
    expect(visitor.get_by_role("link", name="Skip to content")).to_be_focused()
    visitor.keyboard.press("Enter")
    expect(visitor.get_by_role("main")).to_be_focused()
    # From the top of the content, past the feed tabs and the first byline.
    assert tab_to(visitor, first, max_tabs=6)
    visitor.keyboard.press("Enter")

    expect(visitor).to_have_url(re.compile(r"/article/[^/?#]+$"))
    expect(visitor.locator("h1")).to_have_text(title)


def test_writing_sign_in_open_the_editor_type_tag_and_publish(page: Page, someone_else: Page):
    person = sign_up(someone_else)
    title, tag = unique("Typed only "), unique("keys")
    page.goto("/")

    tab_to(page, page.get_by_role("link", name="Sign in"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_is("/login"))
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(navbar_profile_link(page, person)).to_be_visible()

    tab_to(page, page.get_by_role("link", name="New Article"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_is("/editor"))
    tab_to(page, page.get_by_label("Title"))
    page.keyboard.type(title)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Description")).to_be_focused()
    page.keyboard.type("Written without a mouse")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Body")).to_be_focused()
    page.keyboard.type("Every word of it typed.")
    tab_to(page, page.get_by_label("Tags"))
    page.keyboard.type(tag)
    page.keyboard.press("Enter")  # adds a pill; never submits
    expect(page.locator("[data-tag-list] .tag-pill")).to_have_text([tag])
    # Still editing (autosave may have moved the address to the draft's /editor/<slug>).
    expect(page).to_have_url(re.compile(r"/editor(/[^/?#]+)?$"))
    expect(page.get_by_label("Title")).to_have_value(title)
    tab_to(page, page.get_by_role("button", name="Publish Article"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/article/[^/?#]+$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".article-content")).to_contain_text("Every word of it typed.")
    expect(page.locator("ul.tag-list li")).to_have_text([tag])


def comment_with_the_keyboard(reader: Page, writer: Page) -> str:
    """Signs both up, `writer` publishes; `reader` Tabs to the comment box, types, Tabs to Post
    Comment and presses Enter. Returns the comment once it is listed."""
    sign_up(writer)
    slug = publish(writer)
    sign_up(reader)
    reader.goto(f"/article/{slug}")
    comment = unique("Typed, then Enter ")

    tab_to(reader, reader.get_by_label("Your comment"))
    reader.keyboard.type(comment)
    reader.keyboard.press("Tab")
    expect(reader.get_by_role("button", name="Post Comment")).to_be_focused()
    reader.keyboard.press("Enter")

    expect(comment_texts(reader).filter(has_text=comment)).to_have_count(1)
    return comment


def test_commenting_tab_to_the_box_type_and_submit(page: Page, someone_else: Page):
    comment_with_the_keyboard(page, someone_else)

    expect(page.get_by_label("Your comment")).to_have_value("")


def test_after_commenting_the_focus_stays_in_the_comments(page: Page, someone_else: Page):
    comment_with_the_keyboard(page, someone_else)

    # The new comment, the emptied box or the section: not <body>, where Tab starts over.
    # Waited for: focus moves once htmx has settled the swapped-in comments.
    page.wait_for_function(
        "() => document.activeElement !== document.body"
        " && !!document.activeElement.closest('#comments')",
        timeout=5_000,
    )
