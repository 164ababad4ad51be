"""The article page: one h1, sanitised body, meta and actions, favorites, comments."""

import re
from html.parser import HTMLParser

import pytest

from webapp.articles import service as articles_service

from ..support import XSS_BODY, XSS_TAG, XSS_TITLE


def test_the_article_page_has_one_h1_the_body_and_tags_once(client, people, write):
    article = write(
        people("writer"), title="Hello there", body="# Big\n\nOne paragraph.", tagList=["b", "a"]
    )

    response = client.get(f"/article/{article.slug}")
    html = response.data

    assert response.status_code == 200
    assert html.count(b"<h1") == 1
    assert b"<h1>Hello there</h1>" in html
    assert b'<h2 id="section-big">Big<a' in html  # body headings start below the title
    assert b"<p>One paragraph.</p>" in html
    assert html.count(b'<li class="tag-default tag-pill tag-outline">a</li>') == 1
    assert b'<meta property="og:title" content="Hello there">' in html
    assert b'<meta name="description" content="' in html
    assert b"min read" in html


def test_a_reader_gets_favorite_and_follow_but_no_author_actions(client, people, write, sign_in):
    article = write(people("author"))
    sign_in(people("reader"))

    html = client.get(f"/article/{article.slug}").data

    assert b'Favorite Article <span class="counter">(0)</span>' in html
    assert b"btn-outline-primary" in html
    assert f"Follow {article.author.username}".encode() in html
    assert b"Edit Article" not in html and b"Delete Article" not in html


def test_the_author_gets_edit_and_delete(client, people, write, sign_in):
    author = sign_in(people("author"))
    article = write(author)

    html = client.get(f"/article/{article.slug}").data

    slug = re.escape(article.slug)
    edit_link = rf'href="/editor/{slug}"><i class="ion-edit"[^>]*>.*?</i> Edit Article</a>'
    assert re.search(edit_link.encode(), html)
    assert b"Delete Article</button>" in html
    assert b"Favorite Article" not in html


def test_anonymous_favorite_goes_to_login(client, people, write):
    article = write(people("author"))

    html = client.get(f"/article/{article.slug}").data

    assert b'<form class="favorite-form" method="get" action="/login">' in html
    assert b"<textarea" not in html
    # Signing in (or up) from here comes back here (issue 11).
    back = f"?next=/article/{article.slug}"
    links = f'<a href="/login{back}">Sign in</a> or <a href="/register{back}">sign up</a>'
    assert links in html.decode()


def test_favorite_from_a_preview_redirects_back_and_flips_the_class(client, people, write, sign_in):
    article = write(people("author"), tagList=["hearts"])
    sign_in(people("fan"))

    response = client.post(f"/article/{article.slug}/favorite", data={"next": "/tag/hearts"})
    html = client.get("/tag/hearts").data

    assert response.status_code == 303
    assert response.headers["Location"] == "/tag/hearts"
    assert b'class="btn btn-sm btn-primary"' in html
    assert f'action="/article/{article.slug}/unfavorite"'.encode() in html


@pytest.mark.parametrize(
    "foreign",
    [
        "//evil.example/x",
        "////evil.example/",
        "///evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https://evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_a_foreign_next_is_ignored(client, people, write, sign_in, foreign):
    article = write(people("author"))
    sign_in(people("fan"))

    response = client.post(f"/article/{article.slug}/favorite", data={"next": foreign})

    assert response.headers["Location"] == f"/article/{article.slug}"


def test_htmx_favorite_swaps_every_button_out_of_band(client, people, write, sign_in):
    article = write(people("author"))
    sign_in(people("fan"))

    response = client.post(f"/article/{article.slug}/favorite", headers={"HX-Request": "true"})
    undone = client.post(f"/article/{article.slug}/unfavorite", headers={"HX-Request": "true"})

    assert f'hx-swap-oob="outerHTML:.favorite-{article.slug}"'.encode() in response.data
    assert b'Unfavorite Article <span class="counter">(1)</span>' in response.data
    assert b'Favorite Article <span class="counter">(0)</span>' in undone.data


def test_delete_goes_home_and_the_article_is_gone(client, people, write, sign_in):
    author = sign_in(people("author"))
    article = write(author)

    response = client.post(f"/article/{article.slug}/delete")

    assert response.headers["Location"] == "/"
    assert client.get(f"/article/{article.slug}").status_code == 404


def test_someone_elses_delete_is_forbidden(client, people, write, sign_in):
    article = write(people("author"))
    sign_in(people("vandal"))

    response = client.post(f"/article/{article.slug}/delete")

    assert response.status_code == 403
    assert client.get(f"/article/{article.slug}").status_code == 200


def test_an_old_link_to_a_retitled_article_answers_301_to_its_page(client, people, write):
    author = people("renamer")
    article = write(author, title="Before the rename")
    renamed = articles_service.update_article(article.slug, author.id, {"title": "After it"})

    response = client.get(f"/article/{article.slug}?utm=x")

    assert response.status_code == 301
    assert response.headers["Location"] == f"/article/{renamed.slug}?utm=x"
    assert client.get(response.headers["Location"]).status_code == 200


def test_an_unknown_article_is_a_404_page_with_the_navbar(client):
    response = client.get("/article/no-such-article")

    assert response.status_code == 404
    assert b'class="navbar"' in response.data
    assert b'<div class="article-page error-page">' in response.data


def test_comments_post_and_delete_without_javascript(client, people, write, sign_in):
    article = write(people("author"))
    reader = sign_in(people("reader"))

    posted = client.post(f"/article/{article.slug}/comments", data={"body": "Line one\nline two"})
    html = client.get(f"/article/{article.slug}").data

    assert posted.status_code == 303
    assert b'<form class="card comment-form"' in html
    assert b'placeholder="Write a comment..."' in html
    assert b'<p class="card-text">Line one\nline two</p>' in html
    assert b'<span class="mod-options">' in html
    assert (
        f'<a class="comment-author" href="/profile/{reader.username}">'
        f"{reader.username}</a>".encode()
        in html
    )
    comment_id = html.split(b"/comments/")[1].split(b"/delete")[0].decode()

    deleted = client.post(f"/article/{article.slug}/comments/{comment_id}/delete")

    assert deleted.status_code == 303
    assert b"card-text" not in client.get(f"/article/{article.slug}").data


def test_the_trash_icon_is_only_on_your_own_comments(client, people, write, comment, sign_in):
    article = write(people("author"))
    comment(article, people("someone"))
    sign_in(people("reader"))

    html = client.get(f"/article/{article.slug}").data

    assert b'<p class="card-text">A thoughtful comment.</p>' in html
    assert b"ion-trash-a" not in html


def test_htmx_comments_swap_the_section_and_empty_the_textarea(client, people, write, sign_in):
    article = write(people("author"))
    sign_in(people("reader"))

    response = client.post(
        f"/article/{article.slug}/comments",
        data={"body": "Swapped"},
        headers={"HX-Request": "true"},
    )

    assert response.data.startswith(b'<section id="comments"')
    assert b'<p class="card-text">Swapped</p>' in response.data
    assert b'rows="3"></textarea>' in response.data


def test_a_blank_comment_is_an_inline_error(client, people, write, sign_in):
    article = write(people("author"))
    sign_in(people("reader"))

    page = client.post(f"/article/{article.slug}/comments", data={"body": "  "})
    partial = client.post(
        f"/article/{article.slug}/comments", data={"body": ""}, headers={"HX-Request": "true"}
    )

    assert page.status_code == 422
    assert b"<li>body can&#39;t be blank</li>" in page.data
    assert b"<li>body can&#39;t be blank</li>" in partial.data


def test_script_in_title_body_and_comments_is_inert(client, people, write, comment, sign_in):
    article = write(
        people("author"), title=XSS_TITLE, description=XSS_TITLE, body=XSS_BODY, tagList=[XSS_TAG]
    )
    comment(article, people("troll"), XSS_TITLE)

    pages = [
        client.get(path).data
        for path in ("/", f"/article/{article.slug}", f"/profile/{article.author.username}")
    ]

    for html in pages:
        assert_inert(html)
    assert b"&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in pages[1]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(markup: bytes) -> None:
    """Parsed as a browser would: no live script, event handler, frame or script/data URL."""
    parser = _Tags()
    parser.feed(markup.decode())
    for tag, attrs in parser.tags:
        assert tag not in {"iframe", "object", "embed"}
        assert tag != "script" or attrs.get("src", "").startswith("/static/")
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:")), (tag, attrs)
