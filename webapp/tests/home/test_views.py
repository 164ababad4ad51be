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


def test_your_feed_shows_followed_authors_only(client, people, write, sign_in, user_service):
    reader, followed, other = people("reader"), people("followed"), people("other")
    user_service.follows.add((reader.id, followed.id))
    mine = write(followed)
    theirs = write(other)
    sign_in(reader)

    html = client.get("/?feed=following").data

    assert b'class="nav-link active" href="/?feed=following"' in html
    assert b"<title>Your Feed \xc2\xb7 Titanium</title>" in html
    assert mine.slug.encode() in html
    assert theirs.slug.encode() not in html


def test_an_empty_your_feed_says_so_with_a_link_home(client, people, sign_in):
    sign_in(people("lonely"))

    html = client.get("/?feed=following").data

    assert b'<div class="empty-feed-message">' in html
    assert b"Your feed is empty" in html
    assert b'<a href="/">Global Feed</a>' in html
    assert b"article-preview" not in html


def test_page_one_of_an_empty_list_is_its_empty_state_not_an_error(client, people):
    response = client.get(f"/profile/{people('newcomer').username}")

    assert response.status_code == 200
    assert b"No articles are here... yet." in response.data


def test_a_page_past_the_last_or_an_unknown_tag_is_a_404_with_ways_on(client, people, write):
    author = people("paged")
    write(author, tagList=["known"], body="About wombats.")
    write(people("drafter"), draft=True, tagList=["unpublished"])
    expected = {
        "/?page=99999999999999999999": b"This list ends at page ",
        "/tag/known?page=9": b"This list ends at page 1: there is no page 9.",
        "/tag/nonexistent": "No published article is tagged “nonexistent”.".encode(),
        "/tag/unpublished": "No published article is tagged “unpublished”.".encode(),
        f"/profile/{author.username}?page=3": b"This list ends at page 1",
        "/search?q=wombats&page=2": b"This list ends at page 1",
    }

    for path, reason in expected.items():
        response = client.get(path)

        assert response.status_code == 404, path
        assert reason in response.data, path
        assert b'<a href="/">Back to the home page</a>' in response.data, path
        assert b'<a class="tag-pill tag-default" href="/tag/known">known</a>' in response.data
        assert b"article-preview" not in response.data


def test_your_feed_past_its_last_page_is_a_404(client, people, sign_in):
    sign_in(people("follower"))

    assert client.get("/?feed=following").status_code == 200
    assert client.get("/?feed=following&page=2").status_code == 404


def test_the_api_still_answers_an_unknown_tag_or_a_far_offset_with_an_empty_list(
    client, people, write
):
    write(people("apier"), tagList=["known"])

    for query in ("tag=nonexistent", "offset=500"):
        response = client.get(f"/api/articles?{query}")

        assert response.status_code == 200
        assert response.json["articles"] == []


def test_a_tag_page_has_an_active_tab_with_the_tag(client, people, write):
    write(people("tagger"), tagList=["tabbed"])

    html = client.get("/tag/tabbed").data

    assert b'class="nav-link active" href="/tag/tabbed"' in html
    assert b'class="nav-link" href="/" hx-get="/">Global Feed</a>' in html


def test_htmx_gets_only_the_feed_and_a_reload_gets_the_whole_page(client):
    partial = client.get("/?page=1", headers={"HX-Request": "true"})
    restore = client.get(
        "/?page=1", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert partial.data.startswith(b'<title>Titanium</title><section id="feed"')
    assert b"<html" not in partial.data
    assert b"<html" in restore.data
    assert "HX-Request" in partial.headers["Vary"]


def test_a_swapped_page_of_a_list_carries_its_own_title(client, people, write):
    # htmx sets the tab's title from a <title> heading the swapped part: page 2 is not page 1.
    author = people("titled")
    for _ in range(11):
        write(author, tagList=["titles"], body="A page of titled things.")

    feed = client.get("/tag/titles?page=2", headers={"HX-Request": "true"}).data
    search = client.get("/search?q=titled&page=2", headers={"HX-Request": "true"}).data
    profile = client.get(f"/profile/{author.username}?page=2", headers={"HX-Request": "true"}).data

    assert feed.startswith("<title>#titles · Page 2 · Titanium</title>".encode())
    assert search.startswith("<title>titled · Search · Page 2 · Titanium</title>".encode())
    assert profile.startswith(f"<title>{author.username} · Page 2 · Titanium</title>".encode())


def test_an_empty_list_never_uses_a_preview(client, people):
    html = client.get(f"/profile/{people('quiet').username}").data

    assert b"No articles are here... yet." in html
    assert b"article-preview" not in html


def test_search_finds_a_word_of_a_body_and_works_as_a_plain_form(client, people, write):
    article = write(people("searcher"), body="The quokka smiles at dawn.")

    page = client.get("/search?q=quokka")
    partial = client.get("/search?q=quokka", headers={"HX-Request": "true"})

    assert page.status_code == 200
    assert b'<form class="search-form" method="get" action="/search"' in page.data
    assert b'hx-trigger="input changed delay:300ms, search"' in page.data
    assert b'hx-push-url="true"' in page.data
    assert article.slug.encode() in page.data
    assert partial.data.startswith(
        '<title>quokka · Search · Titanium</title><section id="search-results"'.encode()
    )
    assert article.slug.encode() in partial.data


def test_an_empty_search_invites_typing(client):
    assert b"Type a word" in client.get("/search").data


def test_home_page_shows_the_brand(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b'class="navbar-brand" href="/">Titanium</a>' in response.data


def test_the_home_page_costs_five_queries_and_no_call(client, people, write, caplog, user_service):
    """docs/architecture.md: the page of articles, their tags, the count, their authors (webapp's
    copies) and the tag list; user_service is not asked."""
    author = people("ada")
    for _ in range(11):  # more than a page, so the count is needed
        write(author, tagList=["t"])
    user_service.calls.clear()

    with caplog.at_level("INFO", logger="titanium.access"):
        client.get("/")

    (access,) = [record for record in caplog.records if record.name == "titanium.access"]
    assert access.db_queries == 5
    assert user_service.calls == []
