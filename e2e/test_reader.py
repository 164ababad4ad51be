"""Readers: home, pagination, tags, an article with comments, a profile, search, RSS, sitemap
and the 404 page. Every page here works without JavaScript, so each journey runs with it on
and off (the `visitor` fixture)."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import (
    comment_texts,
    path_is,
    post_comment,
    preview_of,
    publish,
    sign_up,
    unique,
    xml_of,
)

pytestmark = pytest.mark.reader

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_reader_sees_the_global_feed_on_home(visitor: Page):
    visitor.goto("/")

    expect(visitor.locator("nav.navbar a.navbar-brand")).to_have_text("Titanium")
    expect(visitor.locator(".home-page .banner h1")).to_have_text("Titanium")
    expect(visitor.locator(".feed-toggle a.nav-link.active")).to_have_text("Global Feed")
    previews = visitor.locator(".article-preview")
    expect(previews.first).to_be_visible()
    assert previews.count() <= 10
    expect(previews.first.locator("a.preview-link h1")).not_to_be_empty()
    expect(previews.first.locator("a.author")).not_to_be_empty()
    expect(visitor.locator(".sidebar a.tag-pill").first).to_be_visible()
    for name in ("Sign in", "Sign up"):
        expect(visitor.locator("nav.navbar").get_by_role("link", name=name)).to_be_visible()


def test_reader_can_page_through_the_global_feed(visitor: Page):
    visitor.goto("/")
    first_page_titles = visitor.locator(".article-preview a.preview-link h1").all_inner_texts()
    expect(visitor.locator(".pagination .page-item.active")).to_have_text("1")

    visitor.locator(".pagination").get_by_role("link", name="2", exact=True).click()

    expect(visitor).to_have_url(path_is("/?page=2"))
    expect(visitor.locator(".pagination .page-item.active")).to_have_text("2")
    expect(visitor.locator(".article-preview").first).to_be_visible()
    second_page_titles = visitor.locator(".article-preview a.preview-link h1").all_inner_texts()
    assert not set(first_page_titles) & set(second_page_titles)

    visitor.locator(".feed-toggle").get_by_role("link", name="Global Feed").click()

    expect(visitor).to_have_url(path_is("/"))
    expect(visitor.locator(".pagination .page-item.active")).to_have_text("1")


def test_reader_can_filter_by_tag(visitor: Page, someone_else: Page):
    tag = unique("topic")
    sign_up(someone_else)
    slug = publish(someone_else, title := unique("Tagged "), tags=(tag,))

    visitor.goto("/")
    visitor.locator(".sidebar").get_by_role("link", name=tag, exact=True).click()

    expect(visitor).to_have_url(path_is(f"/tag/{tag}"))
    expect(visitor.locator(".feed-toggle a.nav-link.active")).to_have_text(tag)
    expect(visitor.locator(".article-preview")).to_have_count(1)
    expect(preview_of(visitor, slug).locator("h1")).to_have_text(title)
    expect(preview_of(visitor, slug).locator("ul.tag-list li")).to_have_text([tag])


def test_reader_reads_an_article_with_its_comments(visitor: Page, someone_else: Page):
    sign_up(someone_else)
    body = "First paragraph with **strong** words.\n\n- one\n- two"
    slug = publish(someone_else, title := unique("Readable "), body=body, tags=("reading",))
    comment = unique("A kind comment ")
    post_comment(someone_else, slug, comment)

    visitor.goto("/")
    preview_of(visitor, slug).locator("a.preview-link").click()

    expect(visitor).to_have_url(path_is(f"/article/{slug}"))
    expect(visitor.locator("h1")).to_have_text(title)
    expect(visitor.locator(".article-content strong")).to_have_text("strong")
    expect(visitor.locator(".article-content li")).to_have_text(["one", "two"])
    expect(visitor.locator(".article-page ul.tag-list li")).to_have_text(["reading"])
    expect(comment_texts(visitor)).to_have_text([comment])
    expect(visitor.locator("#comments textarea")).to_have_count(0)
    expect(visitor.locator("#comments").get_by_role("link", name="Sign in")).to_be_visible()


def test_reader_visits_an_author_profile(visitor: Page, someone_else: Page):
    author = sign_up(someone_else)
    slug = publish(someone_else, title := unique("By them "))

    visitor.goto(f"/article/{slug}")
    visitor.locator(".banner a.author").click()

    expect(visitor).to_have_url(path_is(f"/profile/{author.username}"))
    expect(visitor.locator(".user-info h4")).to_have_text(author.username)
    expect(visitor.locator(".user-info button")).to_have_text(
        re.compile(rf"Follow {author.username}")
    )
    expect(visitor.locator(".articles-toggle a.nav-link.active")).to_have_text("Articles")
    expect(visitor.locator(".article-preview h1")).to_have_text([title])

    visitor.locator(".articles-toggle").get_by_role("link", name="Favorited Articles").click()

    expect(visitor).to_have_url(path_is(f"/profile/{author.username}/favorites"))
    expect(visitor.locator(".articles-toggle a.nav-link.active")).to_have_text("Favorited Articles")
    expect(visitor.locator(".empty-message")).to_be_visible()


def test_reader_can_search(visitor: Page, someone_else: Page):
    word = unique("zebrafish")
    sign_up(someone_else)
    slug = publish(someone_else, title := unique("Findable "), body=f"It hides {word} here.")

    visitor.goto("/")
    visitor.locator("footer").get_by_role("link", name="Search").click()
    visitor.get_by_label("Search articles").fill(word)
    visitor.get_by_role("button", name="Search", exact=True).click()

    expect(visitor).to_have_url(path_is(f"/search?q={word}"))
    expect(visitor.locator(".result-count")).to_contain_text("1 article found")
    expect(preview_of(visitor, slug).locator("h1")).to_have_text(title)


def test_reader_can_subscribe_to_the_rss_feed(page: Page, someone_else: Page):
    author = sign_up(someone_else)
    slug = publish(someone_else, title := unique("In the feed "), tags=("rss",))

    page.goto("/")
    feed_link = page.locator('head link[rel=alternate][type="application/rss+xml"]')
    href = feed_link.first.get_attribute("href")
    response = page.request.get(href)

    assert response.ok and "rss+xml" in response.headers["content-type"]
    channel = xml_of(response).find("channel")
    items = {item.findtext("title"): item for item in channel.iter("item")}
    assert title in items
    assert items[title].findtext("link").endswith(f"/article/{slug}")
    assert [c.text for c in items[title].iter("category")] == ["rss"]
    author_feed = page.request.get(f"/profile/{author.username}/feed.xml")
    assert [i.findtext("title") for i in xml_of(author_feed).iter("item")] == [title]


def test_reader_finds_every_article_in_the_sitemap(page: Page, someone_else: Page):
    author = sign_up(someone_else)
    slug = publish(someone_else, tags=(tag := unique("mapped"),))

    response = page.request.get("/sitemap.xml")

    assert response.ok
    locations = [loc.text for loc in xml_of(response).iter(f"{SITEMAP}loc")]
    for path in (f"/article/{slug}", f"/profile/{author.username}", f"/tag/{tag}"):
        assert any(location.endswith(path) for location in locations), path
    page.goto(next(loc for loc in locations if loc.endswith(f"/article/{slug}")))
    expect(page.locator("h1")).to_be_visible()


@pytest.mark.parametrize("path", ["/article/no-such-article-e2e", "/profile/no-such-user-e2e"])
def test_reader_gets_a_friendly_404_page(visitor: Page, path: str):
    response = visitor.goto(path)

    assert response.status == 404
    expect(visitor.locator("nav.navbar a.navbar-brand")).to_be_visible()
    expect(visitor.locator(".error-page h1")).to_have_text("Nothing here")
    wrapper = ".profile-page" if path.startswith("/profile") else ".article-page"
    expect(visitor.locator(wrapper)).to_be_visible()
    visitor.get_by_role("link", name="Back to the home page").click()
    expect(visitor).to_have_url(path_is("/"))
