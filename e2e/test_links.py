"""Reader: links to an article never break. Its author retitles it (a new slug); the old URL,
shared before the edit, still opens the article, and its feed entry keeps its id."""

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import path_is, publish, sign_up, unique, xml_of

pytestmark = pytest.mark.reader


def feed_entry_ids(page: Page, username: str) -> dict[str, str]:
    feed = xml_of(page.request.get(f"/profile/{username}/feed.xml"))
    return {item.findtext("title"): item.findtext("guid") for item in feed.iter("item")}


def test_an_old_link_to_a_retitled_article_still_opens_it(page: Page, someone_else: Page):
    author = sign_up(page)
    old_title, new_title = unique("Shared "), unique("Renamed ")
    old_slug = publish(page, old_title)
    entry_id = feed_entry_ids(page, author.username)[old_title]

    page.goto(f"/editor/{old_slug}")
    page.get_by_label("Title").fill(new_title)
    page.get_by_role("button", name="Publish Article").click()
    expect(page.locator("h1")).to_have_text(new_title)
    new_slug = page.url.rsplit("/", 1)[-1]

    someone_else.goto(f"/article/{old_slug}")

    assert new_slug != old_slug
    expect(someone_else).to_have_url(path_is(f"/article/{new_slug}"))
    expect(someone_else.locator("h1")).to_have_text(new_title)
    api = someone_else.request.get(f"/api/articles/{old_slug}")
    assert api.status == 200 and api.json()["article"]["slug"] == new_slug
    assert api.url.endswith(f"/api/articles/{new_slug}")
    assert feed_entry_ids(page, author.username) == {new_title: entry_id}
