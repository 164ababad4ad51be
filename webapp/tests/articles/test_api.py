"""/api/articles through the JSON contract (CONTRACT.md part 1)."""

import re
import time

import pytest

from webapp.articles import service

from ..support import as_user, forget_author_copies, unique

NOT_ALLOWED = ["contains characters that are not allowed"]
DEEP = ["is nested too deeply"]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ARTICLE_KEYS = {
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}


@pytest.fixture
def ada(user_service):
    return user_service.create(unique("ada"), bio="Engines", image=None)


@pytest.fixture
def bob(user_service):
    return user_service.create(unique("bob"))


def test_create_returns_201_with_the_full_article(client, ada):
    response = client.post(
        "/api/articles",
        json={"article": {"title": "How to train", "description": "d", "body": "b"}},
        headers=as_user(ada),
    )

    assert response.status_code == 201
    assert response.content_type == "application/json; charset=utf-8"
    article = response.json["article"]
    assert set(article) == ARTICLE_KEYS
    assert article["slug"].startswith("how-to-train")
    assert article["tagList"] == []
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {
        "username": ada.username,
        "bio": "Engines",
        "image": None,
        "following": False,
    }
    assert TIMESTAMP.match(article["createdAt"]) and article["createdAt"] == article["updatedAt"]


def test_get_returns_the_article_for_anyone(client, articles, ada):
    created = articles.create(ada, tags=["b", "a"])

    response = client.get(f"/api/articles/{created['slug']}")

    assert response.status_code == 200
    assert response.json["article"] == created
    assert created["tagList"] == ["a", "b"]


def test_duplicate_titles_get_different_slugs(articles, ada):
    first = articles.create(ada, title="Same title")
    second = articles.create(ada, title="Same title")

    assert first["slug"] != second["slug"]
    assert re.fullmatch(r"same-title(-[0-9a-f]{6})?", second["slug"])


def test_a_non_latin_title_gets_a_transliterated_slug_unique_like_any_other(articles, ada):
    first = articles.create(ada, title="Привет мир")
    second = articles.create(ada, title="Привет, мир!")

    assert first["slug"] == "privet-mir"
    assert re.fullmatch(r"privet-mir-[0-9a-f]{6}", second["slug"])


def test_update_changes_only_given_fields_and_moves_updated_at(client, articles, ada):
    created = articles.create(ada, title="Old title", tags=["keep"])

    response = client.put(
        f"/api/articles/{created['slug']}",
        json={"article": {"body": "new body"}},
        headers=as_user(ada),
    )

    updated = response.json["article"]
    assert response.status_code == 200
    assert (updated["body"], updated["title"], updated["slug"]) == (
        "new body",
        "Old title",
        created["slug"],
    )
    assert updated["tagList"] == ["keep"]
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] > created["updatedAt"]


def _retitle(client, author, slug: str, title: str) -> dict:
    response = client.put(
        f"/api/articles/{slug}", json={"article": {"title": title}}, headers=as_user(author)
    )
    assert response.status_code == 200, response.json
    return response.json["article"]


def test_a_new_title_gives_a_new_slug_and_the_old_one_answers_301(client, articles, ada):
    created = articles.create(ada, title=unique("Before"))

    updated = _retitle(client, ada, created["slug"], "After the change")

    assert updated["slug"].startswith("after-the-change")
    assert client.get(f"/api/articles/{updated['slug']}").status_code == 200
    moved = client.get(f"/api/articles/{created['slug']}")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/api/articles/{updated['slug']}"
    assert moved.json == {"errors": {"slug": [f"moved to {updated['slug']}"]}}
    comments = client.get(f"/api/articles/{created['slug']}/comments?x=1")
    assert comments.status_code == 301
    assert comments.headers["Location"] == f"/api/articles/{updated['slug']}/comments?x=1"


def test_a_change_sent_to_an_old_slug_is_404_never_redirected(client, articles, ada):
    created = articles.create(ada, title=unique("Before"))
    _retitle(client, ada, created["slug"], unique("After"))

    response = client.put(
        f"/api/articles/{created['slug']}",
        json={"article": {"body": "lost?"}},
        headers=as_user(ada),
    )
    favorite = client.post(f"/api/articles/{created['slug']}/favorite", headers=as_user(ada))

    assert response.status_code == 404
    assert favorite.status_code == 404


def test_every_slug_an_article_had_leads_to_its_current_one(client, articles, ada):
    first = articles.create(ada, title=unique("First"))
    second = _retitle(client, ada, first["slug"], unique("Second"))
    third = _retitle(client, ada, second["slug"], unique("Third"))

    for old in (first["slug"], second["slug"]):
        response = client.get(f"/api/articles/{old}")
        assert (response.status_code, response.headers["Location"]) == (
            301,
            f"/api/articles/{third['slug']}",
        )


def test_an_old_slug_is_never_given_to_another_article(client, articles, ada, bob):
    title = unique("Taken once")
    created = articles.create(ada, title=title)
    _retitle(client, ada, created["slug"], unique("Renamed"))

    newcomer = articles.create(bob, title=title)

    assert newcomer["slug"] != created["slug"]
    assert client.get(f"/api/articles/{created['slug']}").status_code == 301


def test_an_article_takes_back_its_own_old_slug(client, articles, ada):
    title = unique("Original")
    created = articles.create(ada, title=title)
    renamed = _retitle(client, ada, created["slug"], unique("Renamed"))

    back = _retitle(client, ada, renamed["slug"], title)

    assert back["slug"] == created["slug"]
    assert client.get(f"/api/articles/{back['slug']}").status_code == 200
    assert client.get(f"/api/articles/{renamed['slug']}").headers["Location"] == (
        f"/api/articles/{back['slug']}"
    )


def test_a_deleted_articles_old_slugs_are_404(client, articles, ada):
    created = articles.create(ada, title=unique("Short lived"))
    renamed = _retitle(client, ada, created["slug"], unique("Renamed"))

    client.delete(f"/api/articles/{renamed['slug']}", headers=as_user(ada))

    assert client.get(f"/api/articles/{created['slug']}").status_code == 404


@pytest.mark.parametrize(("tag_list", "expected"), [([], []), (["z", "a", "z", " a "], ["a", "z"])])
def test_tag_list_on_update_replaces_the_tags(client, articles, ada, tag_list, expected):
    created = articles.create(ada, tags=["old"])

    response = client.put(
        f"/api/articles/{created['slug']}",
        json={"article": {"tagList": tag_list}},
        headers=as_user(ada),
    )

    assert response.json["article"]["tagList"] == expected


def test_tag_list_null_on_update_is_422_must_be_an_array(client, articles, ada):
    created = articles.create(ada, tags=["kept"])

    response = client.put(
        f"/api/articles/{created['slug']}",
        json={"article": {"tagList": None}},
        headers=as_user(ada),
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"tagList": ["must be an array"]}}
    assert client.get(f"/api/articles/{created['slug']}").json["article"]["tagList"] == ["kept"]


@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_create_with_a_blank_field_is_422(client, ada, field):
    article = {"title": "t", "description": "d", "body": "b", field: ""}

    response = client.post("/api/articles", json={"article": article}, headers=as_user(ada))

    assert response.status_code == 422
    assert response.json == {"errors": {field: ["can't be blank"]}}


def test_every_invalid_field_is_named_in_one_422(client, ada):
    response = client.post(
        "/api/articles",
        json={"article": {"title": " ", "body": 7, "tagList": [1]}},
        headers=as_user(ada),
    )

    assert response.status_code == 422
    assert response.json["errors"] == {
        "title": ["can't be blank"],
        "description": ["can't be blank"],
        "body": ["is invalid"],
        "tagList": ["is invalid"],
    }


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (b"{not json", {"body": ["is invalid"]}),
        (b'{"title": "no wrapper"}', {"article": ["can't be blank"]}),
        (
            b'{"article": {"title": "nul\\u0000", "description": "d", "body": "b"}}',
            {"title": NOT_ALLOWED},
        ),
        (
            b'{"article": {"title": "t", "description": "d", "body": "lone \\ud800"}}',
            {"body": NOT_ALLOWED},
        ),
        (
            b'{"article": {"title": "t", "description": "\\u001b[2J", "body": "b"}}',
            {"description": NOT_ALLOWED},
        ),
        (
            b'{"article": {"title": "t", "description": "d", "body": "b", "tagList": ["\\udc00"]}}',
            {"tagList": NOT_ALLOWED},
        ),
        (b'{"article": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", {"body": DEEP}),
    ],
)
def test_malformed_bodies_are_422(client, ada, data, errors):
    response = client.post(
        "/api/articles", data=data, content_type="application/json", headers=as_user(ada)
    )

    assert response.status_code == 422
    assert response.json == {"errors": errors}


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 200), ("description", 300), ("body", 100_000)]
)
def test_fields_longer_than_their_limit_are_422(client, ada, field, limit):
    fields = {"title": "t", "description": "d", "body": "b"}
    at_limit = client.post(
        "/api/articles",
        json={"article": {**fields, field: "é" * limit}},
        headers=as_user(ada),
    )
    over = client.post(
        "/api/articles",
        json={"article": {**fields, field: "é" * (limit + 1)}},
        headers=as_user(ada),
    )

    assert at_limit.status_code == 201
    assert over.status_code == 422
    assert over.json == {"errors": {field: [f"is too long (maximum is {limit} characters)"]}}


def test_at_most_ten_tags(client, ada):
    fields = {"title": "t", "description": "d", "body": "b"}
    response = client.post(
        "/api/articles",
        json={"article": {**fields, "tagList": [f"tag{n}" for n in range(11)]}},
        headers=as_user(ada),
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"tagList": ["has too many tags (maximum is 10)"]}}


def test_a_body_over_two_mebibytes_is_413(client, ada):
    body = b'{"article": {"title": "t", "description": "d", "body": "' + b"x" * (2 << 20) + b'"}}'
    response = client.post(
        "/api/articles", data=body, content_type="application/json", headers=as_user(ada)
    )

    assert response.status_code == 413
    assert response.json == {"errors": {"body": ["is too large"]}}


@pytest.mark.parametrize(
    "path",
    ["/api/articles/%00", "/api/articles?tag=%00", "/api/articles?author=a%00", "/api/tags?x=%07"],
)
def test_a_nul_or_control_character_in_path_or_query_is_400(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert set(response.json["errors"]) <= {"path", "query"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/articles"),
        ("GET", "/api/articles/feed"),
        ("PUT", "/api/articles/no-such-slug"),
        ("DELETE", "/api/articles/no-such-slug"),
        ("POST", "/api/articles/no-such-slug/favorite"),
        ("DELETE", "/api/articles/no-such-slug/favorite"),
    ],
)
def test_required_auth_endpoints_answer_401_token_is_missing(client, method, path):
    response = client.open(path, method=method, json={"article": {}})

    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is missing"]}}


def test_a_malformed_identity_is_an_invalid_token(client):
    response = client.get("/api/articles", headers={"X-Titanium-User-Id": "not-a-uuid"})

    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is invalid"]}}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/articles/no-such-slug"),
        ("PUT", "/api/articles/no-such-slug"),
        ("DELETE", "/api/articles/no-such-slug"),
        ("POST", "/api/articles/no-such-slug/favorite"),
        ("DELETE", "/api/articles/no-such-slug/favorite"),
    ],
)
def test_unknown_slugs_are_404_article_not_found(client, ada, method, path):
    # Even with a malformed body: the lookup (404) comes before validation (422).
    response = client.open(path, method=method, data=b"{oops", headers=as_user(ada))

    assert response.status_code == 404
    assert response.json == {"errors": {"article": ["not found"]}}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_only_the_author_may_change_an_article(client, articles, ada, bob, method):
    created = articles.create(ada)

    # Even with an invalid body: ownership (403) comes before validation (422).
    response = client.open(
        f"/api/articles/{created['slug']}",
        method=method,
        json={"article": {"title": ""}},
        headers=as_user(bob),
    )

    assert response.status_code == 403
    assert response.json == {"errors": {"article": ["forbidden"]}}
    assert client.get(f"/api/articles/{created['slug']}").json["article"] == created


def test_delete_is_204_and_takes_comments_and_favorites_along(client, articles, ada, bob):
    slug = articles.create(ada, tags=[unique("gone")])["slug"]
    client.post(f"/api/articles/{slug}/favorite", headers=as_user(bob))
    client.post(
        f"/api/articles/{slug}/comments", json={"comment": {"body": "hi"}}, headers=as_user(bob)
    )

    response = client.delete(f"/api/articles/{slug}", headers=as_user(ada))

    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/articles/{slug}").status_code == 404
    assert client.get(f"/api/articles/{slug}/comments").status_code == 404
    assert client.get("/api/articles", query_string={"favorited": bob.username}).json == {
        "articles": [],
        "articlesCount": 0,
    }


def test_favorite_and_unfavorite_are_idempotent_and_counted_once(client, articles, ada, bob):
    slug = articles.create(ada)["slug"]

    for _ in range(2):
        favorited = client.post(f"/api/articles/{slug}/favorite", headers=as_user(bob))
    client.post(f"/api/articles/{slug}/favorite", headers=as_user(ada))

    assert favorited.status_code == 200
    assert favorited.json["article"]["body"]
    assert (
        favorited.json["article"]["favorited"],
        favorited.json["article"]["favoritesCount"],
    ) == (
        True,
        1,
    )
    for _ in range(2):
        unfavorited = client.delete(f"/api/articles/{slug}/favorite", headers=as_user(bob))
    assert unfavorited.status_code == 200
    assert (
        unfavorited.json["article"]["favorited"],
        unfavorited.json["article"]["favoritesCount"],
    ) == (False, 1)
    anonymous = client.get(f"/api/articles/{slug}").json["article"]
    assert (anonymous["favorited"], anonymous["favoritesCount"]) == (False, 1)
    as_ada = client.get(f"/api/articles/{slug}", headers=as_user(ada)).json["article"]
    assert as_ada["favorited"] is True


# --- lists ---------------------------------------------------------------------------------


def test_list_is_newest_first_without_bodies_and_counts_every_match(client, articles, ada):
    tag = unique("order")
    slugs = [articles.create(ada, tags=[tag])["slug"] for _ in range(3)]

    response = client.get("/api/articles", query_string={"tag": tag, "limit": 2})

    assert response.status_code == 200
    assert response.json["articlesCount"] == 3
    listed = response.json["articles"]
    assert [a["slug"] for a in listed] == slugs[::-1][:2]
    assert all("body" not in a for a in listed)
    second_page = client.get("/api/articles", query_string={"tag": tag, "limit": 2, "offset": 2})
    assert [a["slug"] for a in second_page.json["articles"]] == [slugs[0]]
    assert second_page.json["articlesCount"] == 3


def test_global_list_starts_with_the_newest_article(client, articles, ada):
    newest = articles.create(ada)

    assert (
        client.get("/api/articles", query_string={"limit": 1}).json["articles"][0]["slug"]
        == (newest["slug"])
    )


def test_filters_combine_with_and(client, articles, ada, bob):
    tag = unique("combo")
    wanted = articles.create(ada, tags=[tag])
    articles.create(ada, tags=[tag])  # not favorited by bob
    favorited_elsewhere = articles.create(bob, tags=[tag])
    for slug in (wanted["slug"], favorited_elsewhere["slug"]):
        client.post(f"/api/articles/{slug}/favorite", headers=as_user(bob))

    response = client.get(
        "/api/articles",
        query_string={"tag": tag, "author": ada.username, "favorited": bob.username},
        headers=as_user(bob),
    )

    assert response.json["articlesCount"] == 1
    assert response.json["articles"][0]["slug"] == wanted["slug"]
    assert response.json["articles"][0]["favorited"] is True


@pytest.mark.parametrize("name", ["tag", "author", "favorited"])
def test_unknown_filter_values_give_an_empty_list(client, name):
    response = client.get("/api/articles", query_string={name: unique("nobody")})

    assert response.status_code == 200
    assert response.json == {"articles": [], "articlesCount": 0}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "0"),
        ("limit", "x"),
        ("limit", "-1"),
        ("offset", "-1"),
        ("offset", "1.5"),
        ("offset", "99999999999999999999"),
    ],
)
def test_invalid_paging_is_422(client, name, value):
    response = client.get("/api/articles", query_string={name: value})

    assert response.status_code == 422
    assert response.json == {"errors": {name: ["is invalid"]}}


def test_a_page_reads_its_authors_from_webapps_copies(client, articles, user_service):
    tag = unique("copies")
    authors = [user_service.create() for _ in range(4)]
    for author in authors:
        articles.create(author, tags=[tag])
    user_service.calls.clear()

    response = client.get("/api/articles", query_string={"tag": tag})

    names = {a["author"]["username"] for a in response.json["articles"]}
    assert names == {author.username for author in authors}
    assert user_service.calls == []


def test_authors_not_copied_yet_are_read_through_in_one_call_and_kept(
    app, client, articles, user_service
):
    """Data older than the copies (or an event still on its way): user_service is asked once
    for the whole page, and what it says is kept."""
    tag = unique("older")
    authors = [user_service.create() for _ in range(4)]
    for author in authors:
        articles.create(author, tags=[tag])
    forget_author_copies(app)
    user_service.calls.clear()

    first = client.get("/api/articles", query_string={"tag": tag}).json
    calls_after_first = len(user_service.calls)
    second = client.get("/api/articles", query_string={"tag": tag}).json

    assert {a["author"]["username"] for a in first["articles"]} == {a.username for a in authors}
    assert calls_after_first == 1 and len(user_service.calls_to("/internal/profiles")) == 1
    assert second == first


def test_feed_holds_only_followed_authors_with_following_true(
    client, articles, ada, bob, user_service
):
    reader = user_service.create()
    assert client.get("/api/articles/feed", headers=as_user(reader)).json == {
        "articles": [],
        "articlesCount": 0,
    }
    followed = articles.create(ada)
    articles.create(bob)
    user_service.follows.add((reader.id, ada.id))

    response = client.get("/api/articles/feed", headers=as_user(reader))

    assert response.json["articlesCount"] == 1
    assert response.json["articles"][0]["slug"] == followed["slug"]
    assert response.json["articles"][0]["author"]["following"] is True
    assert "body" not in response.json["articles"][0]


def test_search_through_the_api(client, articles, ada):
    word = unique("zebra")
    found = articles.create(ada, body=f"A body about the {word} here.")

    response = client.get("/api/articles", query_string={"q": word})

    assert [a["slug"] for a in response.json["articles"]] == [found["slug"]]


# --- user_service down -----------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["status", "timeout"])
def test_with_user_service_down_articles_show_their_copied_authors(
    make_app, articles, ada, bob, user_service, failure
):
    """Issue 10: with user_service down every page and list failed. The authors are webapp's
    own copies; whom a signed-in reader follows is unknown, so false."""
    mine = articles.create(ada)
    client = make_app(UPSTREAM_READ_TIMEOUT_SECONDS=0.2).test_client()
    if failure == "status":
        user_service.failure_status = 500
    else:
        user_service.delay_seconds = 0.5

    listed = client.get("/api/articles", query_string={"author": ada.username})
    shown = client.get(f"/api/articles/{mine['slug']}", headers=as_user(bob))

    assert listed.status_code == 200
    assert [a["author"]["username"] for a in listed.json["articles"]] == [ada.username]
    assert shown.status_code == 200
    assert shown.json["article"]["author"] == {
        "username": ada.username,
        "bio": "Engines",
        "image": None,
        "following": False,
    }


def test_an_author_known_nowhere_while_user_service_is_down_is_the_placeholder(
    app, make_app, articles, ada, user_service
):
    mine = articles.create(ada)
    forget_author_copies(app)
    client = make_app(UPSTREAM_READ_TIMEOUT_SECONDS=0.2).test_client()
    user_service.delay_seconds = 0.5

    started = time.monotonic()
    response = client.get(f"/api/articles/{mine['slug']}")

    assert response.status_code == 200
    assert response.json["article"]["author"]["username"] == "unknown"
    assert time.monotonic() - started < 0.5


def test_user_service_unreachable_is_a_503(make_app, ada):
    client = make_app(USER_SERVICE_URL="http://127.0.0.1:1").test_client()

    response = client.get("/api/articles", query_string={"author": ada.username})

    assert response.status_code == 503


def test_unknown_api_paths_are_json_404(client):
    response = client.get("/api/articles/x/nothing-here")

    assert response.status_code == 404
    assert response.json == {"errors": {"path": ["not found"]}}


def test_an_unexpected_failure_is_a_json_500_without_details(client, monkeypatch):
    def broken():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(service, "all_tags", broken)

    response = client.get("/api/tags")

    assert response.status_code == 500
    assert response.json == {"errors": {"server": ["internal error"]}}


def test_anonymous_reads_may_be_kept_by_the_edge_and_a_readers_own_never(client, articles, ada):
    slug = articles.create(ada, tags=["kept"])["slug"]

    for path in ("/api/articles", f"/api/articles/{slug}", f"/api/articles/{slug}/comments"):
        anonymous = client.get(path)
        own = client.get(path, headers=as_user(ada))

        assert anonymous.headers["Cache-Control"] == "public, max-age=0, s-maxage=30", path
        assert own.headers["Cache-Control"] == "private, no-store", path
        revalidated = client.get(path, headers={"If-None-Match": anonymous.headers["ETag"]})
        assert revalidated.status_code == 304, path
    assert client.get("/api/tags").headers["Cache-Control"].startswith("public")
    assert client.get("/api/articles/no-such").headers["Cache-Control"] == "private, no-store"
