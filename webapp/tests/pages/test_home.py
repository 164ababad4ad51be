"""Home, tag pages and their tabs, previews, pagination and partials (CONTRACT 2.3, 2.6)."""

import re


def previews(html: bytes) -> int:
    return html.count(b'class="article-preview"')


def test_global_feed_is_the_active_tab_with_previews_and_popular_tags(client, people, write):
    author = people("ada")
    article = write(author, tagList=["htmx", "python"])

    html = client.get("/").data

    assert (
        b'<a class="nav-link active" href="/" hx-get="/" aria-current="page">Global Feed</a>'
        in html
    )
    assert b"Your Feed" not in html  # signed out
    assert f'href="/article/{article.slug}"'.encode() in html
    assert f'<a class="author" href="/profile/{author.username}">'.encode() in html
    assert b'<a class="tag-pill tag-default" href="/tag/htmx">htmx</a>' in html
    assert b'<li class="tag-default tag-pill tag-outline">python</li>' in html
    assert b"Read more..." in html


def test_your_feed_sends_anonymous_visitors_to_exactly_login(client):
    response = client.get("/?feed=following")

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_pages_hold_ten_previews(client, people, write):
    author = people("pager")
    for _ in range(15):
        write(author, tagList=["paging"])

    first = client.get("/tag/paging").data
    second = client.get("/tag/paging?page=2").data

    assert previews(first) == 10
    assert previews(second) == 5
    assert b'<li class="page-item active">' in second
    assert re.search(rb'<a class="page-link" href="/tag/paging\?page=2"[^>]*>2</a>', second)
