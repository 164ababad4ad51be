"""The web UI through the gateway, as a browser with JavaScript off uses it (CONTRACT.md part 2):
forms posted with their CSRF token, 303s checked where they point, pages read through their
class hooks. Plus the refusals (no CSRF token, someone else's article) and XSS payloads that
must render inert on every page and feed that shows them.
"""

import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support import unique
from tests.web import Browser, Element, parse_html, preview_of

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data")
LINK_ATTRIBUTES = ("href", "action", "formaction", "xlink:href")
OUR_SCRIPTS = ("/static/vendor/htmx/htmx.min.js", "/static/js/app.js")


def signed_up(stack) -> Browser:
    browser = Browser(stack.url)
    browser.register()
    return browser


@pytest.fixture
def writer(stack):
    return signed_up(stack)


@pytest.fixture
def reader(stack):
    return signed_up(stack)


@pytest.fixture
def anonymous(stack):
    return Browser(stack.url)


def article_titles(document: Element) -> list[str]:
    return [h1.text().strip() for h1 in document.select(".article-preview a.preview-link h1")]


# --- the journey of a new author ---------------------------------------------------------------


def test_sign_up_through_the_form_lands_on_home_signed_in(stack):
    browser = Browser(stack.url)

    username = browser.register()  # asserts the 303 to exactly "/"

    home = browser.page("/")
    link = home.one(f'nav.navbar a[href="/profile/{username}"]')
    assert link.text().strip() == username
    assert link.select("img.user-pic")
    assert home.select('nav.navbar a.nav-link[href="/editor"]')
    assert not home.select('nav.navbar a[href="/login"]')
    assert browser.get("/editor").status_code == 200


def test_a_published_article_with_tags_shows_on_home_and_its_tag_page(writer, anonymous):
    tag = unique("tag")
    title = unique("Published ")

    slug = writer.publish(title, tag_input=f"{tag}, second-{tag}")

    article = anonymous.page(f"/article/{slug}")
    assert article.one("h1").text().strip() == title
    pills = [pill.text().strip() for pill in article.select("ul.tag-list li.tag-default")]
    assert pills == sorted([tag, f"second-{tag}"])
    assert title in article_titles(anonymous.page("/"))
    tag_page = anonymous.page(f"/tag/{tag}")
    assert article_titles(tag_page) == [title]
    assert tag_page.one(".feed-toggle a.nav-link.active").text().strip() == tag
    assert anonymous.page("/").select(f'.sidebar a.tag-pill[href="/tag/{tag}"]')


def test_the_markdown_preview_works_with_and_without_javascript(writer):
    body = "Some **bold** words <script>alert(1)</script>"

    # JavaScript off: the Preview button re-renders the editor, keeping what was typed.
    response = writer.submit(
        "/editor", "/editor", title="Kept", description="d", body=body, button=("action", "preview")
    )
    page = parse_html(response.text)
    # JavaScript on: htmx posts the body as it is typed, with the CSRF token in a header.
    token = page.one("form.editor-form input[name=csrf_token]").attrs["value"]
    live = writer.post(
        "/editor/_preview", {"body": body}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert page.one("input[name=title]").attrs["value"] == "Kept"
    assert page.one("#preview strong").text() == "bold"
    assert live.status_code == 200
    fragment = parse_html(live.text)
    assert fragment.one("strong").text() == "bold"
    assert not fragment.select("script")


def test_editing_through_the_editor_keeps_the_tags_and_shows_the_new_title(writer, anonymous):
    tag = unique("kept")
    slug = writer.publish(tag_input=tag)
    new_title = unique("Edited ")

    response = writer.submit(
        f"/editor/{slug}", f"/editor/{slug}", title=new_title, button=("action", "publish")
    )

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/article/")
    page = anonymous.page(location)
    assert page.one("h1").text().strip() == new_title
    assert [pill.text().strip() for pill in page.select("ul.tag-list li")] == [tag]


def test_a_comment_posted_through_the_form_shows_and_its_author_can_delete_it(writer, reader):
    slug = writer.publish()
    body = unique("A thoughtful comment ")

    posted = reader.submit(f"/article/{slug}", f"/article/{slug}/comments", body=body)

    assert posted.status_code == 303
    assert posted.headers["Location"].split("#")[0] == f"/article/{slug}"
    page = reader.page(f"/article/{slug}")
    assert [p.text() for p in page.select("#comments p.card-text")] == [body]
    assert page.one("form.comment-form textarea").text().strip() == ""
    (delete_form,) = page.select("#comments span.mod-options form")
    assert not writer.page(f"/article/{slug}").select("#comments span.mod-options")

    deleted = reader.submit(f"/article/{slug}", delete_form.attrs["action"])

    assert deleted.status_code == 303
    assert reader.page(f"/article/{slug}").select("#comments p.card-text") == []


def test_a_blank_comment_re_renders_with_the_error(writer, reader):
    slug = writer.publish()

    response = reader.submit(f"/article/{slug}", f"/article/{slug}/comments", body="")

    assert response.status_code == 422
    errors = parse_html(response.text).select("ul.error-messages li")
    assert [error.text().strip() for error in errors] == ["body can't be blank"]


def test_the_heart_in_a_preview_favorites_and_redirects_back(writer, reader):
    tag = unique("hearts")
    slug = writer.publish(tag_input=tag)

    favorited = reader.submit("/", f"/article/{slug}/favorite")
    heart = preview_of(reader.page("/"), slug).one(".article-meta button")
    unfavorited = reader.submit(f"/tag/{tag}", f"/article/{slug}/unfavorite")

    assert (favorited.status_code, favorited.headers["Location"]) == (303, "/")
    assert "btn-primary" in heart.classes and heart.text().strip() == "1"
    assert (unfavorited.status_code, unfavorited.headers["Location"]) == (303, f"/tag/{tag}")
    heart = preview_of(reader.page(f"/tag/{tag}"), slug).one(".article-meta button")
    assert "btn-outline-primary" in heart.classes and heart.text().strip() == "0"


def test_a_favorite_shows_on_the_readers_favorited_tab(writer, reader, anonymous):
    slug = writer.publish()

    reader.submit("/", f"/article/{slug}/favorite")

    favorites = anonymous.page(f"/profile/{reader.username}/favorites")
    assert preview_of(favorites, slug) is not None
    assert favorites.one(".articles-toggle a.nav-link.active").text().strip() == (
        "Favorited Articles"
    )


def test_following_an_author_puts_their_post_in_your_feed(writer, reader):
    title = unique("For followers ")
    writer.publish(title)
    assert reader.page("/?feed=following").select(".empty-feed-message")

    response = reader.submit(f"/profile/{writer.username}", f"/profile/{writer.username}/follow")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/profile/{writer.username}"
    profile = reader.page(f"/profile/{writer.username}")
    assert profile.one(".user-info button").text().split() == ["Unfollow", writer.username]
    feed = reader.page("/?feed=following")
    assert article_titles(feed) == [title]
    assert feed.one(".feed-toggle a.nav-link.active").text().strip() == "Your Feed"


def test_search_finds_a_word_of_the_body(writer, anonymous):
    word = unique("zebrafish")
    title = unique("Searchable ")
    writer.publish(title, body=f"Somewhere in here hides the word {word} for readers.")

    results = anonymous.page(f"/search?q={word}")

    assert article_titles(results) == [title]


def test_a_draft_is_seen_only_by_its_author_until_it_is_published(writer, reader, anonymous, api):
    title = unique("Draft ")

    slug = writer.publish(title, action="draft")

    assert article_titles(writer.page(f"/profile/{writer.username}/drafts")) == [title]
    assert writer.page(f"/article/{slug}").one("h1").text().strip() == title
    for browser in (reader, anonymous):
        assert browser.get(f"/article/{slug}").status_code == 404
        assert title not in browser.get("/").text
        assert title not in browser.get(f"/profile/{writer.username}").text
    assert reader.get(f"/profile/{writer.username}/drafts").status_code == 404
    assert api.call("GET", f"/articles/{slug}").status_code == 404
    assert title not in str(api.call("GET", "/articles", params={"author": writer.username}).json())

    published = writer.submit(f"/editor/{slug}", f"/editor/{slug}", button=("action", "publish"))

    assert (published.status_code, published.headers["Location"]) == (303, f"/article/{slug}")
    assert anonymous.page(f"/article/{slug}").one("h1").text().strip() == title
    assert title in article_titles(anonymous.page("/"))
    assert article_titles(writer.page(f"/profile/{writer.username}/drafts")) == []


def test_settings_update_shows_the_bio_on_the_profile(writer, anonymous):
    bio = unique("I write about compilers ")

    response = writer.submit("/settings", "/settings", bio=bio)

    assert (response.status_code, response.headers["Location"]) == (
        303,
        f"/profile/{writer.username}",
    )
    profile = anonymous.page(f"/profile/{writer.username}")
    assert profile.one(".user-info p").text() == bio
    assert writer.page("/settings").one("textarea[name=bio]").text().strip() == bio


def test_logout_signs_out(writer):
    response = writer.submit("/settings", "/logout")

    assert (response.status_code, response.headers["Location"]) == (303, "/")
    home = writer.page("/")
    assert home.select('nav.navbar a.nav-link[href="/login"]')
    assert not home.select('nav.navbar a[href="/editor"]')
    assert writer.get("/editor").headers["Location"] == "/login"


def test_lists_show_ten_previews_a_page_with_page_links(api, anonymous):
    tag, token = unique("paged"), api.register()["token"]
    titles = [api.create_article(token, tagList=[tag])["title"] for _ in range(11)]

    first, second = anonymous.page(f"/tag/{tag}"), anonymous.page(f"/tag/{tag}?page=2")

    assert article_titles(first) == titles[:0:-1]
    assert article_titles(second) == titles[:1]
    links = [(link.text().strip(), link.attrs["href"]) for link in first.select("a.page-link")]
    assert links == [("1", f"/tag/{tag}?page=1"), ("2", f"/tag/{tag}?page=2")]
    assert second.one(".pagination .page-item.active").text().strip() == "2"


@pytest.mark.parametrize("path", ["/", "/tag/anything", "/search?q=the", "/profile/ada"])
def test_a_page_number_beyond_any_limit_is_not_a_server_error(anonymous, path):
    joiner = "&" if "?" in path else "?"

    response = anonymous.get(f"{path}{joiner}page=99999999999999999999")

    assert response.status_code in (200, 404), response.status_code
    assert parse_html(response.text).select("nav.navbar")


def test_a_tag_with_a_slash_is_refused_or_its_pill_leads_to_its_page(api, anonymous):
    author = api.register()
    tag = f"ci/cd-{unique('')}"
    response = api.call(
        "POST",
        "/articles",
        author["token"],
        json={
            "article": {
                "title": unique("Pipelines "),
                "description": "d",
                "body": "b",
                "tagList": [tag],
            }
        },
    )
    if response.status_code == 422:  # refusing such tags is a fine answer too
        assert "tagList" in response.json()["errors"]
        return
    title = response.json()["article"]["title"]

    (pill,) = [
        link for link in anonymous.page("/").select(".sidebar a.tag-pill") if link.text() == tag
    ]
    tag_page = anonymous.get(pill.attrs["href"])

    assert tag_page.status_code == 200, pill.attrs["href"]
    assert article_titles(parse_html(tag_page.text)) == [title]


@pytest.mark.parametrize("username", [".", ".."])
def test_a_dot_username_is_refused_or_its_author_link_leads_to_its_profile(
    api, anonymous, username
):
    # Browsers resolve "/profile/.." to "/" before asking the server anything.
    response = api.call(
        "POST",
        "/users",
        json={
            "user": {
                "username": username,
                "email": f"{unique('dots')}@example.test",
                "password": "correct horse battery",
            }
        },
    )
    if response.status_code == 409:
        pytest.skip("taken by an earlier test on this database")
    if response.status_code == 422:  # refusing such names is a fine answer too
        return
    slug = api.create_article(response.json()["user"]["token"])["slug"]

    link = preview_of(anonymous.page("/"), slug).one("a.author").attrs["href"]
    profile = anonymous.get(urlsplit(urljoin(f"{anonymous.base}/", link)).path)

    assert profile.status_code == 200, link
    assert parse_html(profile.text).one(".user-info h4").text() == username


# --- refusals ----------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(writer, reader, api):
    slug = writer.publish()
    title = unique("Forged ")
    forged = [
        reader.post("/editor", {"title": title, "description": "d", "body": "b"}),
        reader.post(f"/article/{slug}/comments", {"body": "forged comment"}),
        reader.post(f"/article/{slug}/favorite", {}),
        reader.post("/settings", {"username": reader.username, "bio": "forged bio"}),
        reader.post(f"/profile/{writer.username}/follow", {}),
        writer.post(f"/article/{slug}/delete", {}),
    ]

    statuses = [response.status_code for response in forged]
    assert set(statuses) <= {400, 403}, statuses
    assert (
        api.call("GET", "/articles", params={"author": reader.username}).json()["articlesCount"]
        == 0
    )
    article = api.call("GET", f"/articles/{slug}")
    assert article.status_code == 200 and article.json()["article"]["favoritesCount"] == 0
    assert api.call("GET", f"/articles/{slug}/comments").json()["comments"] == []
    profile = api.call("GET", f"/profiles/{reader.username}").json()["profile"]
    assert profile["bio"] is None
    follow = reader.page(f"/profile/{writer.username}").one(".user-info button")
    assert follow.text().split() == ["Follow", writer.username]


def test_someone_elses_article_cannot_be_edited_or_deleted_through_the_ui(writer, reader, api):
    slug = writer.publish()
    before = api.call("GET", f"/articles/{slug}").json()["article"]
    own_token = reader.page("/settings").select("input[name=csrf_token]")[0].attrs["value"]

    edit_form = reader.get(f"/editor/{slug}")
    edit = reader.post(
        f"/editor/{slug}",
        {"csrf_token": own_token, "title": "Hijacked", "description": "d", "body": "b"},
    )
    delete = reader.post(f"/article/{slug}/delete", {"csrf_token": own_token})

    for response in (edit_form, edit, delete):
        assert response.status_code == 403 or (
            response.status_code in (302, 303) and response.headers["Location"] != "/"
        ), (response.request.method, response.request.url, response.status_code)
    assert api.call("GET", f"/articles/{slug}").json()["article"] == before
    assert not reader.page(f"/article/{slug}").select(f'a[href="/editor/{slug}"]')


def test_your_feed_anonymously_redirects_to_exactly_login(anonymous):
    response = anonymous.get("/?feed=following")

    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize(
    ("path", "wrapper"),
    [
        ("/article/no-such-article-here", ".article-page"),
        ("/profile/no-such-user-here", ".profile-page"),
    ],
)
def test_unknown_article_or_profile_is_a_404_page_with_the_navbar(anonymous, path, wrapper):
    page = anonymous.page(path, status=404)

    assert page.select("nav.navbar a.navbar-brand")
    assert page.select(wrapper)


# --- XSS: every payload renders inert everywhere -------------------------------------------------

TITLE_PAYLOAD = 'Pwn <script>alert(1)</script><img src=x onerror=alert(2)>" onfocus="alert(3)'
DESCRIPTION_PAYLOAD = '<a href="javascript:alert(4)">d</a><svg onload=alert(5)>'
BODY_PAYLOAD = """Safe words here.

<script>alert(6)</script>

<img src="x" onerror="alert(7)">

[click me](javascript:alert(8))

<a href="javascript:alert(9)" onclick="alert(10)">raw link</a>

<svg onload="alert(11)"><circle r="1"/></svg>

<iframe src="javascript:alert(12)"></iframe>

[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxOSk8L3NjcmlwdD4=)
"""
COMMENT_PAYLOAD = '<script>alert(13)</script><b onmouseover="alert(14)">bold</b>'
# Only an http(s) address may be a profile picture; this one tries to leave the src attribute.
IMAGE_PAYLOAD = 'https://example.test/a.png" onerror="alert(18)'
SCRIPT_IMAGE = "javascript:alert(18)"
BIO_PAYLOAD = '<script>alert(15)</script>" onmouseover="alert(16)"><img src=x onerror=alert(17)>'


def assert_inert(document: Element, where: str) -> None:
    """No script but our own two files, no event handler, no javascript: (or data: link) URL,
    no frame."""
    for script in document.select("script"):
        assert script.attrs.get("src") in OUR_SCRIPTS and not script.text().strip(), where
    for element in document.descendants():
        assert element.tag not in ("iframe", "object", "embed"), (where, element.tag)
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), (where, element.tag, name, value)
            if name.lower() in URL_ATTRIBUTES:
                squeezed = "".join(value.split()).lower()
                assert not squeezed.startswith(("javascript:", "vbscript:")), (where, value)
            if name.lower() in LINK_ATTRIBUTES:
                assert not "".join(value.split()).lower().startswith("data:"), (where, value)


def rss_items_inert(xml: bytes, title: str) -> None:
    # Our own server's feed under test; it must be well-formed, or the escaping is broken.
    root = ET.fromstring(xml)  # noqa: S314
    assert not [element for element in root.iter() if element.tag.lower().endswith("script")]
    items = [item for item in root.iter("item") if item.findtext("title") == title]
    assert items, f"{title!r} not in the feed"
    for item in items:
        assert_inert(parse_html(item.findtext("description") or ""), "rss description")


def test_script_payloads_render_inert_on_pages_and_feeds(writer, reader, anonymous):
    tag, word = unique("xss"), unique("marker")
    title = f"{TITLE_PAYLOAD} {word}"
    assert writer.submit("/settings", "/settings", image=SCRIPT_IMAGE).status_code == 422
    writer.submit("/settings", "/settings", bio=BIO_PAYLOAD, image=IMAGE_PAYLOAD)
    slug = writer.publish(
        title, description=DESCRIPTION_PAYLOAD, body=f"{BODY_PAYLOAD}\n{word}", tag_input=tag
    )
    commented = reader.submit(f"/article/{slug}", f"/article/{slug}/comments", body=COMMENT_PAYLOAD)
    assert commented.status_code == 303

    article = anonymous.page(f"/article/{slug}")
    assert article.one("h1").text() == title
    assert "Safe words here." in article.one(".article-content").text()
    assert [p.text() for p in article.select("#comments p.card-text")] == [COMMENT_PAYLOAD]
    profile = anonymous.page(f"/profile/{writer.username}")
    assert profile.one(".user-info p").text() == BIO_PAYLOAD
    assert profile.one(".user-info img.user-img").attrs["src"] == IMAGE_PAYLOAD
    pages = {
        "article": article,
        "article signed in": writer.page(f"/article/{slug}"),
        "home": anonymous.page("/"),
        "tag": anonymous.page(f"/tag/{tag}"),
        "profile": profile,
        "search": anonymous.page(f"/search?q={word}"),
    }
    for where, document in pages.items():
        assert_inert(document, where)
    home_preview = preview_of(pages["home"], slug)
    assert home_preview.one("h1").text() == title
    assert home_preview.one("p").text() == DESCRIPTION_PAYLOAD
    for feed in ("/feed.xml", f"/profile/{writer.username}/feed.xml", f"/tag/{tag}/feed.xml"):
        response = anonymous.get(feed)
        assert response.status_code == 200, feed
        rss_items_inert(response.content, title)


def test_pages_carry_the_security_headers(anonymous):
    response = anonymous.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_the_default_avatar_loads_through_the_gateway(writer, anonymous):
    slug = writer.publish()
    avatar = preview_of(anonymous.page("/"), slug).one(".article-meta img").attrs["src"]

    response = anonymous.get(avatar)

    assert "default-avatar.svg" in avatar

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")


def test_tags_are_one_spelling_and_search_shows_where_words_matched(writer, anonymous):
    """Issue 13: "Release Notes" typed in the editor is the tag `release-notes`, its other
    spellings answer 301 to its page (through the gateway and its edge cache), and a search
    result shows the matched word of the body highlighted."""
    stem = unique("Release Notes ")
    word = unique("quokka")
    slug = writer.publish(
        unique("Tagged "), tag_input=stem, body=f"Some words before. The {word} <b>smiles</b>."
    )
    normal = stem.lower().replace(" ", "-")

    pills = [
        pill.text().strip()
        for pill in anonymous.page(f"/article/{slug}").select("ul.tag-list li.tag-default")
    ]
    moved = anonymous.get(f"/tag/{stem.replace(' ', '%20')}")
    results = anonymous.get(f"/search?q={word}").text

    assert pills == [normal]
    assert (moved.status_code, moved.headers["Location"]) == (301, f"/tag/{normal}")
    assert anonymous.get(f"/tag/{normal}").status_code == 200
    assert f"<mark>{word}</mark> smiles." in results
