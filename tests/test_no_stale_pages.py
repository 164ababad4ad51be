"""No reader ever sees a stale page after a write (issue 3, "Caching"), and a write forgets
only the pages that show what it changed (issue 12, surrogate keys).

Anonymous pages are kept by the gateway's edge cache (ADR 0005, ADR 0023; `X-Cache:
HIT|MISS|BYPASS`). Each test loads the pages a write changes twice, so the second load comes from
the cache, makes the write (through the API or the UI forms) and checks that the very next
anonymous load shows it; where it says so, pages showing nothing the write changed are still
served from the cache. Where a write changes no anonymous page (follow), the follower's own pages
must show it and must never come from the cache.
"""

import pytest
import requests

from tests.support import gateway_session, unique
from tests.web import Browser, parse_html, preview_of

HTMX = {"HX-Request": "true"}


class AnonymousReader:
    """A visitor with no cookies at all, so every GET is one the edge cache may answer."""

    def __init__(self, base_url: str):
        self.base = base_url

    def load(self, page) -> requests.Response:
        """GET a page: a path, or a (path, request headers) pair."""
        path, headers = page if isinstance(page, tuple) else (page, {})
        # A session of its own per load, as requests.get makes, so no cookie is ever kept.
        with gateway_session() as session:
            return session.get(
                f"{self.base}{path}", headers=headers, allow_redirects=False, timeout=10
            )

    def warm(self, *pages) -> None:
        """Load each page twice: the second load must be a cache hit (when the edge says)."""
        for page in pages:
            self.load(page)
            again = self.load(page)
            assert again.status_code == 200, (page, again.status_code)
            if "X-Cache" in again.headers:
                assert again.headers["X-Cache"] == "HIT", (page, again.headers["X-Cache"])

    def text(self, page) -> str:
        response = self.load(page)
        assert response.status_code == 200, (page, response.status_code)
        return response.text

    def lacks(self, page, text: str) -> bool:
        """`text` is not on `page`: it answers without it, or is gone (404: a tag page whose
        only article left has no page)."""
        response = self.load(page)
        assert response.status_code in (200, 404), (page, response.status_code)
        return response.status_code == 404 or text not in response.text

    def assert_kept(self, *pages) -> None:
        """Each page still comes from the cache (when the edge says)."""
        for page in pages:
            response = self.load(page)
            assert response.status_code == 200, (page, response.status_code)
            assert response.headers.get("X-Cache", "HIT") == "HIT", page


@pytest.fixture
def anonymous(stack):
    return AnonymousReader(stack.url)


@pytest.fixture
def author(api):
    return api.register()


@pytest.fixture
def author_browser(stack, author):
    browser = Browser(stack.url)
    browser.login(author)
    return browser


@pytest.fixture
def reader(api):
    return api.register()


@pytest.fixture
def reader_browser(stack, reader):
    browser = Browser(stack.url)
    browser.login(reader)
    return browser


@pytest.fixture
def tag():
    return unique("fresh")


@pytest.fixture
def article(api, author, tag):
    return api.create_article(author["token"], tagList=[tag], body=unique("Original body "))


@pytest.fixture
def other_article(api):
    """By someone else, under another tag: nothing a write to `article` changes shows here."""
    other = api.register()
    return api.create_article(other["token"], tagList=[unique("elsewhere")])


def listing_pages(username: str, tag: str) -> list:
    """Every anonymous page that lists a new article of `username` tagged `tag`."""
    return [
        "/",
        ("/", HTMX),
        f"/tag/{tag}",
        f"/profile/{username}",
        "/feed.xml",
        f"/tag/{tag}/feed.xml",
        f"/profile/{username}/feed.xml",
    ]


def unused_tag_is_missing(anonymous: AnonymousReader, pages: list, tag: str) -> list:
    """The tag's page is a 404 while no published article has the tag (never kept by the
    edge): the other pages, to warm."""
    assert anonymous.load(f"/tag/{tag}").status_code == 404
    return [page for page in pages if page != f"/tag/{tag}"]


def favorites_shown(anonymous: AnonymousReader, slug: str) -> tuple[str, ...]:
    """The count on the article page's buttons and on its home preview heart."""
    page = parse_html(anonymous.text(f"/article/{slug}"))
    counts = [counter.text().strip("() \n") for counter in page.select(".article-meta .counter")]
    heart = preview_of(parse_html(anonymous.text("/")), slug).one(".article-meta button")
    return (*counts, heart.text().strip())


# --- articles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["api", "ui"])
def test_a_new_article_shows_at_once_on_every_listing(
    api, anonymous, author, author_browser, tag, other_article, via
):
    pages = listing_pages(author["username"], tag)
    unrelated = f"/article/{other_article['slug']}"
    anonymous.warm(*unused_tag_is_missing(anonymous, pages, tag), "/sitemap.xml", unrelated)
    title = unique("Breaking ")

    if via == "api":
        slug = api.create_article(author["token"], title=title, tagList=[tag])["slug"]
    else:
        slug = author_browser.publish(title, tag_input=tag)

    for page in pages:
        assert title in anonymous.text(page), page
    assert f"/article/{slug}" in anonymous.text("/sitemap.xml")
    anonymous.assert_kept(unrelated)


def test_anonymous_api_reads_are_kept_and_a_new_article_shows_in_them_at_once(
    api, anonymous, author, article, tag
):
    """Anonymous GET /api/articles and /api/tags come from the edge cache (issue 12: they were
    looked up and never kept, always a MISS); a write still shows on the very next read."""
    slug = article["slug"]
    reads = [
        "/api/articles?limit=5",
        f"/api/articles?tag={tag}",
        f"/api/articles?author={author['username']}",
        "/api/tags",
        f"/api/articles/{slug}",
        f"/api/articles/{slug}/comments",
    ]
    anonymous.warm(*reads)

    created = api.create_article(author["token"], tagList=[tag, second := unique("new")])
    api.add_comment(author["token"], slug, body=(comment := unique("Fresh comment ")))

    for listing in reads[:3]:
        slugs = [item["slug"] for item in anonymous.load(listing).json()["articles"]]
        assert created["slug"] in slugs, listing
    assert second in anonymous.load("/api/tags").json()["tags"]
    comments = anonymous.load(f"/api/articles/{slug}/comments").json()["comments"]
    assert comment in [item["body"] for item in comments]
    mine = api.call("GET", "/articles?limit=5", author["token"])
    assert mine.headers["X-Cache"] == "BYPASS"
    assert mine.headers["Cache-Control"] == "private, no-store"


def test_publishing_a_draft_shows_it_at_once(anonymous, author, author_browser, tag):
    title = unique("Draft then live ")
    slug = author_browser.publish(title, tag_input=tag, action="draft")
    pages = listing_pages(author["username"], tag)
    anonymous.warm(*unused_tag_is_missing(anonymous, pages, tag))
    assert anonymous.load(f"/article/{slug}").status_code == 404

    author_browser.submit(f"/editor/{slug}", f"/editor/{slug}", button=("action", "publish"))

    for page in pages:
        assert title in anonymous.text(page), page
    assert title in anonymous.text(f"/article/{slug}")


def test_an_edit_through_the_api_shows_at_once_on_the_article_page_and_lists(
    api, anonymous, author, article, tag
):
    slug = article["slug"]
    pages = [f"/article/{slug}", *listing_pages(author["username"], tag)]
    anonymous.warm(*pages)
    description, body = unique("New description "), unique("Rewritten body ")

    response = api.call(
        "PUT",
        f"/articles/{slug}",
        author["token"],
        json={"article": {"description": description, "body": body}},
    )

    assert response.json()["article"]["slug"] == slug
    article_page = anonymous.text(f"/article/{slug}")
    assert body in article_page and article["body"] not in article_page
    for path in ("/", f"/tag/{tag}", f"/profile/{author['username']}"):
        assert description in anonymous.text(path), path
    assert body in anonymous.text("/feed.xml")


def test_a_new_title_through_the_editor_shows_at_once_everywhere(
    anonymous, author, author_browser, article, tag
):
    old_slug = article["slug"]
    pages = [f"/article/{old_slug}", *listing_pages(author["username"], tag)]
    anonymous.warm(*pages)
    new_title = unique("Retitled ")

    response = author_browser.submit(
        f"/editor/{old_slug}", f"/editor/{old_slug}", title=new_title, button=("action", "publish")
    )

    for page in pages[1:]:
        text = anonymous.text(page)
        assert new_title in text and article["title"] not in text, page
    assert new_title in anonymous.text(response.headers["Location"])
    assert article["title"] not in anonymous.load(f"/article/{old_slug}").text


@pytest.mark.parametrize("via", ["api", "ui"])
def test_a_deleted_article_disappears_at_once(
    api, anonymous, author, author_browser, article, tag, via
):
    slug = article["slug"]
    pages = [f"/article/{slug}", *listing_pages(author["username"], tag)]
    anonymous.warm(*pages)

    if via == "api":
        assert api.call("DELETE", f"/articles/{slug}", author["token"]).status_code == 204
    else:
        assert (
            author_browser.submit(f"/article/{slug}", f"/article/{slug}/delete").status_code == 303
        )

    assert anonymous.load(f"/article/{slug}").status_code == 404
    for page in pages[1:]:
        assert anonymous.lacks(page, article["title"]), page


def test_a_restored_article_reappears_at_once(anonymous, author_browser, article, tag, author):
    """Delete goes to the trash and Undo/Restore brings the article back (ADR 0017): both are
    writes, so the edge cache forgets the pages that left it out."""
    slug = article["slug"]
    assert author_browser.submit(f"/article/{slug}", f"/article/{slug}/delete").status_code == 303
    pages = listing_pages(author["username"], tag)
    for page in pages:
        assert anonymous.lacks(page, article["title"]), page
    anonymous.warm(*(page for page in pages if anonymous.load(page).status_code == 200))

    restored = author_browser.submit("/trash", f"/trash/{slug}/restore")

    assert restored.status_code == 303
    assert anonymous.load(f"/article/{slug}").status_code == 200
    for page in pages:
        assert article["title"] in anonymous.text(page), page


def test_autosaving_a_published_article_changes_no_page(anonymous, author_browser, article):
    """The editor's autosave of a published article keeps its edits pending: readers' pages
    (and the edge cache holding them) stay as they were."""
    slug = article["slug"]
    anonymous.warm(f"/article/{slug}")

    saved = author_browser.submit(
        f"/editor/{slug}",
        f"/editor/{slug}",
        body=unique("Pending body "),
        button=("action", "save"),
    )

    assert saved.status_code == 303
    again = anonymous.load(f"/article/{slug}")
    assert article["body"] in again.text
    if "X-Cache" in again.headers:
        assert again.headers["X-Cache"] == "HIT"


# --- comments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["api", "ui"])
def test_a_new_comment_shows_at_once_and_every_other_page_stays_kept(
    api, anonymous, article, other_article, tag, reader, reader_browser, via
):
    """Issue 12: a comment on one article used to make the cache forget every page."""
    slug = article["slug"]
    untouched = [f"/article/{other_article['slug']}", "/", f"/tag/{tag}", "/api/tags"]
    anonymous.warm(f"/article/{slug}", *untouched)
    body = unique("First! ")

    if via == "api":
        api.call(
            "POST", f"/articles/{slug}/comments", reader["token"], json={"comment": {"body": body}}
        )
    else:
        reader_browser.submit(f"/article/{slug}", f"/article/{slug}/comments", body=body)

    page = parse_html(anonymous.text(f"/article/{slug}"))
    assert [p.text() for p in page.select("#comments p.card-text")] == [body]
    anonymous.assert_kept(*untouched)


@pytest.mark.parametrize("via", ["api", "ui"])
def test_a_deleted_comment_disappears_at_once(api, anonymous, article, reader, reader_browser, via):
    slug = article["slug"]
    body = unique("Regrettable ")
    comment = api.call(
        "POST", f"/articles/{slug}/comments", reader["token"], json={"comment": {"body": body}}
    ).json()["comment"]
    anonymous.warm(f"/article/{slug}")
    assert body in anonymous.text(f"/article/{slug}")

    delete_path = f"/articles/{slug}/comments/{comment['id']}"
    if via == "api":
        assert api.call("DELETE", delete_path, reader["token"]).status_code == 204
    else:
        action = f"/article/{slug}/comments/{comment['id']}/delete"
        assert reader_browser.submit(f"/article/{slug}", action).status_code == 303

    assert body not in anonymous.text(f"/article/{slug}")


# --- favorites ---------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["api", "ui"])
def test_a_favorite_shows_at_once(
    api, anonymous, article, other_article, tag, reader, reader_browser, via
):
    slug = article["slug"]
    favorites_tab = f"/profile/{reader['username']}/favorites"
    unrelated = f"/article/{other_article['slug']}"
    anonymous.warm(f"/article/{slug}", "/", f"/tag/{tag}", favorites_tab, unrelated)
    assert favorites_shown(anonymous, slug) == ("0", "0", "0")

    if via == "api":
        api.call("POST", f"/articles/{slug}/favorite", reader["token"])
    else:
        assert reader_browser.submit("/", f"/article/{slug}/favorite").status_code == 303

    assert favorites_shown(anonymous, slug) == ("1", "1", "1")
    on_tag_page = preview_of(parse_html(anonymous.text(f"/tag/{tag}")), slug)
    assert on_tag_page.one(".article-meta button").text().strip() == "1"
    assert preview_of(parse_html(anonymous.text(favorites_tab)), slug) is not None
    anonymous.assert_kept(unrelated)


@pytest.mark.parametrize("via", ["api", "ui"])
def test_an_unfavorite_shows_at_once(api, anonymous, article, reader, reader_browser, via):
    slug = article["slug"]
    favorites_tab = f"/profile/{reader['username']}/favorites"
    api.call("POST", f"/articles/{slug}/favorite", reader["token"])
    anonymous.warm(f"/article/{slug}", "/", favorites_tab)
    assert favorites_shown(anonymous, slug) == ("1", "1", "1")

    if via == "api":
        api.call("DELETE", f"/articles/{slug}/favorite", reader["token"])
    else:
        action = f"/article/{slug}/unfavorite"
        assert reader_browser.submit(f"/article/{slug}", action).status_code == 303

    assert favorites_shown(anonymous, slug) == ("0", "0", "0")
    assert preview_of(parse_html(anonymous.text(favorites_tab)), slug) is None


# --- profiles ----------------------------------------------------------------------------------


def test_a_new_bio_and_image_through_the_api_show_at_once(api, anonymous, author, article):
    slug, profile = article["slug"], f"/profile/{author['username']}"
    anonymous.warm(profile, f"/article/{slug}", "/")
    bio, image = unique("Writes about type systems "), f"https://img.test/{unique('a')}.png"

    api.call("PUT", "/user", author["token"], json={"user": {"bio": bio, "image": image}})

    profile_page = parse_html(anonymous.text(profile))
    assert profile_page.one(".user-info p").text() == bio
    assert profile_page.one(".user-info img.user-img").attrs["src"] == image
    article_page = parse_html(anonymous.text(f"/article/{slug}"))
    assert {img.attrs["src"] for img in article_page.select(".article-meta img")} == {image}
    preview = preview_of(parse_html(anonymous.text("/")), slug)
    assert preview.one(".article-meta img").attrs["src"] == image


def test_a_new_bio_through_the_settings_form_shows_at_once(anonymous, author, author_browser):
    profile = f"/profile/{author['username']}"
    anonymous.warm(profile)
    bio = unique("Settled in ")

    assert author_browser.submit("/settings", "/settings", bio=bio).status_code == 303

    assert parse_html(anonymous.text(profile)).one(".user-info p").text() == bio


def test_a_username_change_shows_at_once_on_every_page_of_the_author(
    api, anonymous, author, article, other_article, tag
):
    old, new = author["username"], unique("renamed")
    slug = article["slug"]
    unrelated = f"/article/{other_article['slug']}"
    anonymous.warm(f"/profile/{old}", f"/article/{slug}", "/", f"/tag/{tag}", "/feed.xml")
    anonymous.warm(f"/api/articles?author={new}", unrelated)

    response = api.call("PUT", "/user", author["token"], json={"user": {"username": new}})

    assert response.status_code == 200
    gone = anonymous.load(f"/profile/{old}")
    assert gone.status_code == 404, gone.headers.get("X-Cache")
    assert parse_html(anonymous.text(f"/profile/{new}")).one(".user-info h4").text() == new
    article_page = parse_html(anonymous.text(f"/article/{slug}"))
    assert {link.text().strip() for link in article_page.select(".article-meta a.author")} == {new}
    for path in ("/", f"/tag/{tag}"):
        preview = preview_of(parse_html(anonymous.text(path)), slug)
        assert preview.one("a.author").text().strip() == new, path
    assert f"<dc:creator>{new}</dc:creator>" in anonymous.text("/feed.xml")
    by_new_name = anonymous.load(f"/api/articles?author={new}").json()["articles"]
    assert [item["slug"] for item in by_new_name] == [slug]
    anonymous.assert_kept(unrelated)


# --- follows: no anonymous page changes, and personal pages are never cached ---------------------


def test_follow_and_unfollow_show_at_once_to_the_follower_and_never_to_anonymous_pages(
    anonymous, author, article, reader, reader_browser
):
    profile = f"/profile/{author['username']}"
    anonymous.warm(profile, "/")

    reader_browser.submit(profile, f"{profile}/follow")
    followed = reader_browser.get(profile)
    feed = reader_browser.get("/?feed=following")
    reader_browser.submit(profile, f"{profile}/unfollow")
    unfollowed = reader_browser.get(profile)

    for response in (followed, feed, unfollowed):
        assert response.headers.get("X-Cache", "BYPASS") == "BYPASS"
        assert "private" in response.headers["Cache-Control"]
    button = parse_html(followed.text).one(".user-info button")
    assert button.text().split() == ["Unfollow", author["username"]]
    assert preview_of(parse_html(feed.text), article["slug"]) is not None
    assert parse_html(unfollowed.text).one(".user-info button").text().split()[0] == "Follow"
    for path in (profile, "/"):
        page = anonymous.text(path)
        assert reader["username"] not in page and "Your Feed" not in page, path
    anonymous_button = parse_html(anonymous.text(profile)).one(".user-info button")
    assert anonymous_button.text().split() == ["Follow", author["username"]]


def test_signed_in_pages_never_come_from_the_cache_nor_leak_into_it(
    anonymous, reader_browser, reader
):
    anonymous.warm("/")
    signed_in = [reader_browser.get("/") for _ in range(2)]

    for response in signed_in:
        assert response.headers.get("X-Cache", "BYPASS") == "BYPASS"
        assert reader["username"] in response.text
    assert reader["username"] not in anonymous.text("/")


# --- one client's request never shapes another reader's page --------------------------------


@pytest.mark.parametrize("header", ["X-Forwarded-Host", "Host"])
def test_a_host_sent_by_one_client_never_reaches_another_readers_page(anonymous, article, header):
    # Article pages and feeds carry absolute links (canonical, og:url, RSS items, sitemap). A
    # copy built for a forged host and kept for everyone would send every later reader there.
    pages = [f"/article/{article['slug']}", "/feed.xml", "/sitemap.xml"]
    for path in pages:
        anonymous.load((path, {header: "evil.example"}))

    for path in pages:
        assert "evil.example" not in anonymous.text(path), path


# --- validators --------------------------------------------------------------------------------


def test_a_conditional_reload_after_a_write_gets_the_new_page_not_304(
    api, anonymous, article, reader
):
    path = f"/article/{article['slug']}"
    etag = anonymous.load(path).headers["ETag"]
    assert anonymous.load((path, {"If-None-Match": etag})).status_code == 304
    body = unique("Late comment ")

    api.call(
        "POST",
        f"/articles/{article['slug']}/comments",
        reader["token"],
        json={"comment": {"body": body}},
    )

    after = anonymous.load((path, {"If-None-Match": etag}))
    assert after.status_code == 200
    assert body in after.text and after.headers["ETag"] != etag
