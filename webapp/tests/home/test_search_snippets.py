"""Search results show where the words matched: plain text of the body around the match, the
matched words in <mark>, and never any of the body's markup or HTML."""

import re
import time

import pytest

from webapp import search

from ..support import XSS_BODY, as_user, unique

SNIPPET = re.compile(r'<p class="search-snippet">(.*?)</p>', re.DOTALL)


def snippets(client, query: str) -> list[str]:
    return SNIPPET.findall(client.get("/search", query_string={"q": query}).data.decode())


def test_a_result_shows_where_the_word_matched_highlighted(client, people, write):
    word = unique("wombat").replace("-", "")
    before = " ".join(f"before{number}" for number in range(60))
    after = " ".join(f"after{number}" for number in range(60))
    write(people("searcher"), body=f"{before} The {word} digs burrows at night. {after}")

    [snippet] = snippets(client, word)

    assert f"<mark>{word}</mark>" in snippet
    assert "digs burrows" in snippet
    assert "before0 " not in snippet and "after59" not in snippet  # around the match only
    assert snippet.startswith("…") and snippet.endswith("…")


def test_a_snippet_never_lets_the_bodys_html_or_markup_through(client, people, write):
    word = unique("numbat").replace("-", "")
    body = (
        f"{XSS_BODY} **{word}** [a link](https://example.com/x) "
        f"&lt;img src=x onerror=alert(5)&gt; <b onmouseover=alert(6)>bold</b> `code` {word}"
    )
    write(people("searcher"), body=body)

    [snippet] = snippets(client, word)

    assert f"<mark>{word}</mark>" in snippet
    assert "a link" in snippet and "bold" in snippet
    without_marks = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    for leaked in ("alert(1)", "javascript:", "https://example.com", "**", "`"):
        assert leaked not in snippet


def test_a_query_with_html_is_escaped_in_the_snippet(client, people, write):
    word = unique("quoll").replace("-", "")
    write(people("searcher"), body=f"Beware of a<b and {word} & friends.")

    [snippet] = snippets(client, word)

    assert "&amp; friends" in snippet
    assert "<b" not in snippet


def test_a_title_only_match_has_no_snippet(client, people, write):
    word = unique("bilby").replace("-", "")
    article = write(people("searcher"), title=f"The {word}", body="Nothing here.")

    page = client.get("/search", query_string={"q": word}).data.decode()

    assert article.slug in page
    assert SNIPPET.findall(page) == []


def test_an_edited_body_changes_the_snippet(client, people, write):
    author = people("searcher")
    word = unique("dingo").replace("-", "")
    article = write(author, body=f"A {word} howls.")
    assert "howls" in snippets(client, word)[0]

    client.put(
        f"/api/articles/{article.slug}",
        json={"article": {"body": f"A {word} sleeps."}},
        headers=as_user(author),
    )

    [snippet] = snippets(client, word)
    assert "sleeps" in snippet and "howls" not in snippet


def test_the_api_search_is_unchanged(client, people, write):
    word = unique("echidna").replace("-", "")
    article = write(people("searcher"), body=f"An {word}.")

    found = client.get("/api/articles", query_string={"q": word}).json

    assert [item["slug"] for item in found["articles"]] == [article.slug]
    assert "body" not in found["articles"][0]


def test_plain_text_keeps_the_words_and_drops_the_markup():
    body = (
        "# Title\n\nSome *bold*, snake_case and __strong__ [link text](https://x.test/a_(b)) "
        "<b>inline</b>. <script>hidden()</script><!-- note --> &lt;style&gt;gone&lt;/style&gt;\n"
        "```python\ncode_here()\n```\n- item\n> quote\n[ref]: https://x.test"
    )

    assert search.plain_text(body) == (
        "Title Some bold, snake_case and strong link text inline. code_here() item quote"
    )


@pytest.mark.parametrize(
    "body",
    ["<" * 100_000, "[" * 100_000, "\n" * 100_000 + "x", "a" + "_" * 100_000 + "a",
     "<script>" * 12_500, "<!--" * 25_000, "<a " * 33_000],
    ids=["<", "[", "newlines", "underscores", "open scripts", "open comments", "open tags"],
)  # fmt: skip
def test_plain_text_takes_linear_time_on_hostile_bodies(body):
    """A body is anyone's 100,000 characters: no pattern may scan on from every position."""
    started = time.monotonic()
    search.plain_text(body)

    assert time.monotonic() - started < 2
