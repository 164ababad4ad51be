"""HTMX behaviour, with JavaScript on: partial swaps happen without a full page load (a marker
set on `window` survives them), the URL follows (hx-push-url), and back and forward restore the
right page."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import comment_texts, path_is, publish, sign_up, unique

MARK = "window.__titanium_marker = 1"
MARKED = "window.__titanium_marker === 1"


def active_page_number(page: Page):
    return page.locator(".pagination .page-item.active")


def announcements(page: Page):
    """The page's polite live region: what a screen reader is told after a swap."""
    return page.locator("#announcements[role=status]")


def articles_mentioning(page: Page, word: str, count: int) -> None:
    """`count` published articles whose body holds `word`, written through the JSON API (so a
    search has pages on any deployment, whatever content it holds)."""
    name = unique("paged")
    person = {"username": name, "email": f"{name}@example.test", "password": "paging password"}
    token = page.request.post("/api/users", data={"user": person}).json()["user"]["token"]
    for number in range(count):
        article = {"title": f"{word} {number}", "description": "d", "body": f"About {word}."}
        created = page.request.post(
            "/api/articles", data={"article": article}, headers={"Authorization": f"Token {token}"}
        )
        assert created.status == 201, created.text()


@pytest.mark.reader
@pytest.mark.parametrize("listing", ["feed", "search"])
def test_a_new_page_of_a_list_opens_at_its_top_with_focus_and_its_own_title(
    page: Page, listing: str
):
    # The review: paging from the links under the list left the reader at the bottom of page 2,
    # its first article 1,500-2,200 px above the screen, and the tab still titled as page 1.
    page.set_viewport_size({"width": 1280, "height": 720})
    word = unique("pageable")
    articles_mentioning(page, word, count=11)
    page.goto("/" if listing == "feed" else f"/search?q={word}")
    page.locator(".pagination").scroll_into_view_if_needed()

    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()

    expect(active_page_number(page)).to_have_text("2")
    first = page.locator(".article-preview").first
    expect(first).to_be_in_viewport()
    assert first.bounding_box()["y"] >= 0, "page 2 starts above the screen"
    expect(page).to_have_title(re.compile(r"Page 2 · Titanium$"))
    expect(page.locator("#feed, #search-results")).to_be_focused()
    expect(announcements(page)).to_have_text(re.compile(r"Page 2 · Titanium$"))


@pytest.mark.author
def test_removing_a_tag_keeps_focus_in_the_tag_field(page: Page):
    sign_up(page)
    page.goto("/editor")
    tags = page.get_by_label("Tags")
    tags.fill("keyboard")
    tags.press("Enter")
    expect(announcements(page)).to_have_text("Added tag keyboard")

    page.get_by_role("button", name="Remove tag keyboard").focus()
    page.keyboard.press("Enter")

    expect(page.locator("[data-tag-list] .tag-pill")).to_have_count(0)
    expect(tags).to_be_focused()
    expect(announcements(page)).to_have_text("Removed tag keyboard")


@pytest.mark.reader
def test_a_code_block_copies_its_code(new_context, someone_else: Page, base_url: str):
    sign_up(someone_else)
    slug = publish(someone_else, body="Try this:\n\n```python\nprint('copied')\n```\n")
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.goto(f"/article/{slug}")

    page.locator(".article-content pre").get_by_role("button", name="Copy").click()

    expect(announcements(page)).to_have_text("Code copied")
    assert page.evaluate("navigator.clipboard.readText()").strip() == "print('copied')"


@pytest.mark.reader
def test_feed_pages_swap_in_place_and_push_the_url(page: Page):
    page.goto("/")
    page.evaluate(MARK)

    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()

    expect(page).to_have_url(path_is("/?page=2"))
    expect(active_page_number(page)).to_have_text("2")
    assert page.evaluate(MARKED), "the click reloaded the whole page"


@pytest.mark.reader
def test_back_and_forward_restore_the_right_feed_page(page: Page):
    page.goto("/")
    first_title = page.locator(".article-preview h1").first.inner_text()
    page.evaluate(MARK)
    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    expect(active_page_number(page)).to_have_text("2")
    second_title = page.locator(".article-preview h1").first.inner_text()
    assert second_title != first_title

    page.go_back()

    expect(page).to_have_url(path_is("/"))
    expect(active_page_number(page)).to_have_text("1")
    expect(page.locator(".article-preview h1").first).to_have_text(first_title)

    page.go_forward()

    expect(page).to_have_url(path_is("/?page=2"))
    expect(active_page_number(page)).to_have_text("2")
    expect(page.locator(".article-preview h1").first).to_have_text(second_title)
    assert page.evaluate(MARKED), "history navigation reloaded the whole page"


@pytest.mark.reader
def test_profile_tabs_swap_in_place_and_back_restores_them(page: Page, someone_else: Page):
    author = sign_up(someone_else)
    publish(someone_else, title := unique("Tabbed "))
    page.goto(f"/profile/{author.username}")
    page.evaluate(MARK)

    page.locator(".articles-toggle").get_by_role("link", name="Favorited Articles").click()

    expect(page).to_have_url(path_is(f"/profile/{author.username}/favorites"))
    expect(page.locator(".articles-toggle a.nav-link.active")).to_have_text("Favorited Articles")
    expect(page.locator(".article-preview")).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(path_is(f"/profile/{author.username}"))
    expect(page.locator(".article-preview h1")).to_have_text([title])
    assert page.evaluate(MARKED)


@pytest.mark.reader
def test_search_follows_the_typing_and_pushes_the_url(page: Page, someone_else: Page):
    word = unique("narwhal")
    sign_up(someone_else)
    publish(someone_else, title := unique("Typed search "), body=f"About the {word}.")
    page.goto("/search")
    page.evaluate(MARK)

    page.get_by_label("Search articles").press_sequentially(word)

    expect(page).to_have_url(re.compile(rf"/search\?q={word}$"))
    expect(page.locator("#search-results .article-preview h1")).to_have_text([title])
    assert page.evaluate(MARKED)


@pytest.mark.author
@pytest.mark.parametrize(
    ("form", "pressed", "afterwards"),
    [
        (".favorite-form", 0, r"Unfavorite Article\s+\(1\)"),
        (".follow-form", -1, r"Unfollow {writer}"),
    ],
    ids=["favorite", "follow"],
)
def test_article_page_buttons_swap_every_copy_in_place(
    page: Page, someone_else: Page, form: str, pressed: int, afterwards: str
):
    # The article page shows each button twice (banner and under the body): pressing one copy
    # swaps both, and the page is not reloaded.
    writer = sign_up(someone_else)
    slug = publish(someone_else)
    sign_up(page)
    page.goto(f"/article/{slug}")
    page.evaluate(MARK)
    buttons = page.locator(f"{form} button")

    buttons.nth(pressed).click()

    expected = re.compile(afterwards.format(writer=re.escape(writer.username)))
    expect(buttons).to_have_text([expected] * 2)
    expect(page).to_have_url(path_is(f"/article/{slug}"))
    assert page.evaluate(MARKED)
    # Focus stays on the copy that was pressed (a keyboard user goes on from there), and the
    # new state is said politely.
    expect(buttons.nth(pressed)).to_be_focused()
    expect(announcements(page)).to_have_text(expected)


@pytest.mark.author
def test_comments_post_and_delete_in_place(page: Page, someone_else: Page):
    sign_up(someone_else)
    slug = publish(someone_else)
    sign_up(page)
    page.goto(f"/article/{slug}")
    page.evaluate(MARK)
    comment = unique("Swapped in ")

    page.get_by_label("Your comment").fill(comment)
    page.get_by_role("button", name="Post Comment").click()

    expect(comment_texts(page)).to_have_text([comment])
    expect(page.get_by_label("Your comment")).to_have_value("")
    expect(page.locator("#comments .card").filter(has_text=comment)).to_be_focused()
    expect(announcements(page)).to_have_text("Comment posted")
    page.get_by_role("button", name="Delete comment").click()
    expect(comment_texts(page)).to_have_count(0)
    expect(page.get_by_label("Your comment")).to_be_focused()
    expect(announcements(page)).to_have_text("Comment deleted")
    expect(page).to_have_url(path_is(f"/article/{slug}"))
    assert page.evaluate(MARKED)
