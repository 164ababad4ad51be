"""Titanium's own design (ADR 0028): its wording, the header on every page, visible feeds, empty
states that say what to do next, headings and names for assistive technology."""

import re

import pytest

CONDUIT_TAGLINE = b"A place to share your knowledge."


def header_of(html: bytes) -> bytes:
    return html.split(b'<header class="site-header">')[1].split(b"</header>")[0]


def test_the_home_page_speaks_in_its_own_words(client):
    html = client.get("/").data

    assert CONDUIT_TAGLINE.lower() not in html.lower()
    assert b"<p>Writing worth the time it takes to read.</p>" in html.split(b'class="banner"')[1]
    assert b'content="Titanium: writing worth the time it takes to read."' in html


@pytest.mark.parametrize(
    "path", ["/", "/login", "/article/no-such-article", "/profile/{me}", "/editor"]
)
def test_every_page_has_a_search_box_in_the_header(client, people, sign_in, path):
    me = sign_in(people("searcher"))

    html = client.get(path.format(me=me.username)).data

    header = header_of(html)
    assert re.search(
        rb'<form class="header-search" method="get" action="/search" role="search"', header
    )
    assert b'<label for="header-q" class="visually-hidden">' in header
    assert b'<input id="header-q" type="search" name="q"' in header


def test_the_search_page_has_one_search_box_its_own(client):
    html = client.get("/search?q=x").data

    assert html.count(b'type="search"') == 1 and b'id="search-q"' in html


def test_a_signed_in_header_has_a_sign_out_form_with_csrf(client, people, sign_in):
    sign_in(people("leaver"))

    header = header_of(client.get("/").data)

    form = re.search(
        rb'<form class="sign-out" method="post" action="/logout">(.*?)</form>', header, re.S
    )
    assert form and b'name="csrf_token"' in form.group(1) and b"Sign out" in form.group(1)


def test_a_signed_out_header_has_no_sign_out(client):
    assert b"Sign out" not in header_of(client.get("/").data)


def test_the_theme_script_loads_before_the_stylesheet_and_the_toggle_is_a_button(client):
    html = client.get("/").data

    assert html.index(b'src="/static/js/theme.js"') < html.index(b"css/titanium.css")
    assert re.search(
        rb'<button type="button" class="theme-toggle js-only" aria-pressed="false"', html
    )
    with client.get("/static/js/theme.js") as script:
        assert script.status_code == 200 and b"localStorage" in script.data


def test_someone_elses_profile_says_articles_and_your_own_says_my_articles(
    client, people, sign_in, write
):
    author = people("other")
    write(author)
    me = sign_in(people("me"))

    theirs = client.get(f"/profile/{author.username}").data
    mine = client.get(f"/profile/{me.username}").data

    assert b">My Articles</a>" not in theirs and b'aria-current="page">Articles</a>' in theirs
    assert b'aria-current="page">My Articles</a>' in mine


def main_of(html: bytes) -> bytes:
    return html.split(b'<main id="main"')[1].split(b"</main>")[0]


def test_profile_and_tag_pages_link_their_feeds_visibly(client, people, write):
    author = people("feeder")
    write(author, tagList=["feeds"])

    profile = main_of(client.get(f"/profile/{author.username}").data)
    tag = main_of(client.get("/tag/feeds").data)

    feed = (
        '<a class="btn btn-sm btn-outline-secondary feed-link" '
        f'href="/profile/{author.username}/feed.xml">'
    )
    assert re.search(re.escape(feed).encode() + rb".*?RSS feed</a>", profile, re.S)
    assert re.search(
        rb'<a class="feed-link" href="/tag/feeds/feed.xml">.*?RSS feed of this tag</a>', tag, re.S
    )


def test_empty_lists_say_what_to_do_next(client, people, sign_in):
    me = sign_in(people("empty"))

    articles = main_of(client.get(f"/profile/{me.username}").data)
    drafts = main_of(client.get(f"/profile/{me.username}/drafts").data)
    favorites = main_of(client.get(f"/profile/{me.username}/favorites").data)

    assert b"No articles are here... yet." in articles
    assert b'<a href="/editor">Write your first article</a>' in articles
    assert (
        b"No drafts here." in drafts and b'<a href="/editor">Start one in the editor</a>' in drafts
    )
    assert b"Articles you favorite with the heart are kept here." in favorites


def test_the_editor_has_an_h1(client, people, sign_in):
    sign_in(people("writer"))

    assert b"<h1>New article</h1>" in client.get("/editor").data


def test_a_profile_heading_is_level_one_for_assistive_technology(client, people):
    author = people("heading")

    html = client.get(f"/profile/{author.username}").data

    assert f'<h4 role="heading" aria-level="1">{author.username}</h4>'.encode() in html


def test_avatar_links_are_not_unnamed_stops_and_error_lists_keep_their_list_semantics(
    client, people, write, sign_in
):
    author = people("named")
    write(author)

    home = client.get("/").data
    avatar_link = re.search(
        rf'<a href="/profile/{author.username}"([^>]*)><img'.encode(), home
    ).group(1)
    login = client.post("/login", data={"email": "", "password": ""}).data

    # The picture's link repeats the name link beside it: out of the tab order and the tree, so
    # neither a keyboard nor a screen reader meets an unnamed link (axe link-name).
    assert b'tabindex="-1" aria-hidden="true"' in avatar_link
    assert re.search(rb'<div role="alert">\s*<ul class="error-messages">\s*<li>', login)


def test_a_preview_heart_is_named_by_a_word_and_its_visible_count(client, people, write, sign_in):
    # Label in name (WCAG 2.5.3): the visible text is the count, and the name says it with a word.
    article = write(people("hearted"))
    sign_in(people("fan"))

    home = client.get("/").data

    form = re.search(
        rf'action="/article/{article.slug}/favorite">.*?</form>'.encode(), home, re.S
    ).group(0)
    assert b'aria-label="Favorite, 0 favorites"' in form
    assert re.search(rb"</i> 0\s*</button>", form)


def test_icons_are_inline_svg_inside_the_contract_hooks(client, people, write, sign_in):
    me = sign_in(people("iconic"))
    article = write(me, tagList=["icons"])

    html = client.get(f"/article/{article.slug}").data
    editor = client.get(f"/editor/{article.slug}").data

    assert re.search(rb'<i class="ion-trash-a" aria-hidden="true"><svg class="icon"', html)
    assert re.search(
        rb'<i class="ion-close-round" role="button" aria-label="Remove tag icons" tabindex="0">'
        rb"<svg",
        editor,
    )
    assert "\U0001f5d1".encode() not in html
