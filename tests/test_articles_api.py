"""RealWorld articles, comments, favorites, tags and feed through the gateway (CONTRACT.md
part 1), with tokens from real registrations, on every backend.

The database is shared with the seeded demo content and every other test, so each test makes
its own users, titles and tags and looks only at those.
"""

import re

import pytest

from tests.support import unique

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
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
COMMENT_KEYS = {"id", "body", "createdAt", "updatedAt", "author"}
TOKEN_MISSING = {"errors": {"token": ["is missing"]}}
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}
UNKNOWN_SLUG = "no-such-article-anywhere"


@pytest.fixture
def author(api):
    return api.register()


@pytest.fixture
def reader(api):
    return api.register()


def listed(api, token=None, **query) -> dict:
    response = api.call("GET", "/articles", token, params=query)
    assert response.status_code == 200, response.text
    return response.json()


def slugs(page: dict) -> list[str]:
    return [article["slug"] for article in page["articles"]]


# --- create and read ------------------------------------------------------------------------


def test_create_is_201_with_the_full_article_and_sorted_unique_tags(api, author):
    title = unique("Hello ")

    response = api.call(
        "POST",
        "/articles",
        author["token"],
        json={
            "article": {
                "title": title,
                "description": "A greeting",
                "body": "# Hi",
                "tagList": ["zeta", "alpha", "zeta"],
            }
        },
    )

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    article = response.json()["article"]
    assert set(article) == ARTICLE_KEYS
    assert (article["title"], article["description"], article["body"]) == (
        title,
        "A greeting",
        "# Hi",
    )
    assert article["tagList"] == ["alpha", "zeta"]
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {
        "username": author["username"],
        "bio": None,
        "image": None,
        "following": False,
    }
    assert TIMESTAMP.fullmatch(article["createdAt"]) and TIMESTAMP.fullmatch(article["updatedAt"])
    assert re.fullmatch(r"[a-z0-9-]+", article["slug"])


def test_an_omitted_tag_list_is_an_empty_array(api, author):
    article = api.create_article(author["token"])

    assert article["tagList"] == []


def test_the_article_is_readable_by_anyone_at_once(api, author):
    created = api.create_article(author["token"], tagList=["b", "a"])

    response = api.call("GET", f"/articles/{created['slug']}")

    assert response.status_code == 200
    assert response.json()["article"] == created


def test_duplicate_titles_are_allowed_and_get_different_slugs(api, author):
    title = unique("Same title ")

    first = api.create_article(author["token"], title=title)
    second = api.create_article(author["token"], title=title)

    assert first["slug"] != second["slug"]
    assert api.call("GET", f"/articles/{second['slug']}").json()["article"]["title"] == title


def test_an_article_titled_feed_is_reachable_by_its_slug(api, author):
    # GET /api/articles/feed is the feed (CONTRACT.md 1.1), so no article may have that slug.
    created = api.create_article(author["token"], title="Feed")

    response = api.call("GET", f"/articles/{created['slug']}")

    assert response.status_code == 200, response.text
    assert response.json()["article"]["slug"] == created["slug"]


# --- the error cases of CONTRACT.md 1.5 -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/articles"),
        ("PUT", f"/articles/{UNKNOWN_SLUG}"),
        ("DELETE", f"/articles/{UNKNOWN_SLUG}"),
        ("GET", "/articles/feed"),
        ("POST", f"/articles/{UNKNOWN_SLUG}/favorite"),
        ("DELETE", f"/articles/{UNKNOWN_SLUG}/favorite"),
        ("POST", f"/articles/{UNKNOWN_SLUG}/comments"),
        ("DELETE", f"/articles/{UNKNOWN_SLUG}/comments/1"),
    ],
)
def test_required_auth_endpoints_without_a_token_are_401_before_any_lookup(api, method, path):
    response = api.call(method, path, json={"article": {"title": "t"}, "comment": {"body": "b"}})

    assert response.status_code == 401
    assert response.json() == TOKEN_MISSING


def test_required_auth_on_an_existing_article_is_401_too(api, author):
    slug = api.create_article(author["token"])["slug"]

    for method, path in (("PUT", f"/articles/{slug}"), ("DELETE", f"/articles/{slug}")):
        response = api.call(method, path, json={"article": {"title": "stolen"}})
        assert response.status_code == 401
        assert response.json() == TOKEN_MISSING
    assert api.call("GET", f"/articles/{slug}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/articles/{UNKNOWN_SLUG}"),
        ("PUT", f"/articles/{UNKNOWN_SLUG}"),
        ("DELETE", f"/articles/{UNKNOWN_SLUG}"),
        ("POST", f"/articles/{UNKNOWN_SLUG}/favorite"),
        ("DELETE", f"/articles/{UNKNOWN_SLUG}/favorite"),
        ("GET", f"/articles/{UNKNOWN_SLUG}/comments"),
        ("POST", f"/articles/{UNKNOWN_SLUG}/comments"),
        ("DELETE", f"/articles/{UNKNOWN_SLUG}/comments/1"),
    ],
)
def test_an_unknown_slug_is_404_article_not_found(api, reader, method, path):
    response = api.call(
        method,
        path,
        reader["token"],
        json={"article": {"title": "t"}, "comment": {"body": "b"}},
    )

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


def test_only_the_author_may_update_or_delete_and_the_article_stays_unchanged(api, author, reader):
    created = api.create_article(author["token"])
    path = f"/articles/{created['slug']}"

    update = api.call("PUT", path, reader["token"], json={"article": {"title": "Hijacked"}})
    delete = api.call("DELETE", path, reader["token"])

    assert update.status_code == delete.status_code == 403
    assert update.json() == delete.json() == {"errors": {"article": ["forbidden"]}}
    assert api.call("GET", path).json()["article"] == created


@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_create_with_a_blank_field_is_422(api, author, field):
    article = {"title": unique("T "), "description": "d", "body": "b"}
    article[field] = ""

    response = api.call("POST", "/articles", author["token"], json={"article": article})

    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}


@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_update_to_a_blank_field_is_422_and_keeps_the_article(api, author, field):
    created = api.create_article(author["token"])
    path = f"/articles/{created['slug']}"

    response = api.call("PUT", path, author["token"], json={"article": {field: ""}})

    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["can't be blank"]}}
    assert api.call("GET", path).json()["article"] == created


def test_several_blank_fields_are_reported_together(api, author):
    response = api.call(
        "POST", "/articles", author["token"], json={"article": {"title": "", "description": ""}}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "description", "body"}


# --- lists ------------------------------------------------------------------------------------


def test_list_items_have_no_body_key_and_sorted_tags(api, author):
    tag = unique("shape")
    api.create_article(author["token"], tagList=[tag, "b-second", "a-first"])

    page = listed(api, tag=tag)

    assert page["articlesCount"] == 1
    (article,) = page["articles"]
    assert set(article) == ARTICLE_KEYS - {"body"}
    assert article["tagList"] == ["a-first", "b-second", tag]


def test_list_is_newest_first_and_the_count_is_the_total_not_the_page(api, author):
    tag = unique("paging")
    created = [api.create_article(author["token"], tagList=[tag])["slug"] for _ in range(3)]
    newest_first = created[::-1]

    first = listed(api, tag=tag, limit=2)
    second = listed(api, tag=tag, limit=2, offset=2)
    past_the_end = listed(api, tag=tag, offset=3)

    assert (slugs(first), first["articlesCount"]) == (newest_first[:2], 3)
    assert (slugs(second), second["articlesCount"]) == (newest_first[2:], 3)
    assert (slugs(past_the_end), past_the_end["articlesCount"]) == ([], 3)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "1.5"}, "offset"),
    ],
)
def test_invalid_limit_or_offset_is_422(api, reader, query, key):
    for path, token in (("/articles", None), ("/articles/feed", reader["token"])):
        response = api.call("GET", path, token, params=query)
        assert response.status_code == 422, path
        assert response.json() == {"errors": {key: ["is invalid"]}}


def test_filters_tag_author_and_favorited_combine_with_and(api, author, reader):
    other_author = api.register()
    tag, other_tag = unique("filter"), unique("other")
    tagged = api.create_article(author["token"], tagList=[tag])
    untagged = api.create_article(author["token"], tagList=[other_tag])
    by_someone_else = api.create_article(other_author["token"], tagList=[tag])
    for article in (tagged, by_someone_else):
        api.call("POST", f"/articles/{article['slug']}/favorite", reader["token"])

    by_author = listed(api, author=author["username"])
    tag_and_author = listed(api, tag=tag, author=author["username"])
    tag_and_favorited = listed(api, tag=tag, favorited=reader["username"])
    all_three = listed(api, tag=tag, author=other_author["username"], favorited=reader["username"])
    favorited_not_tagged = listed(api, tag=other_tag, favorited=reader["username"])

    assert set(slugs(by_author)) == {tagged["slug"], untagged["slug"]}
    assert slugs(tag_and_author) == [tagged["slug"]]
    assert set(slugs(tag_and_favorited)) == {tagged["slug"], by_someone_else["slug"]}
    assert tag_and_favorited["articlesCount"] == 2
    assert slugs(all_three) == [by_someone_else["slug"]]
    assert (slugs(favorited_not_tagged), favorited_not_tagged["articlesCount"]) == ([], 0)


@pytest.mark.parametrize("key", ["tag", "author", "favorited"])
def test_an_unknown_filter_value_is_an_empty_list_not_404(api, key):
    page = listed(api, **{key: unique("nobody-")})

    assert page == {"articles": [], "articlesCount": 0}


def test_viewer_dependent_fields_in_lists(api, author, reader):
    tag = unique("viewer")
    article = api.create_article(author["token"], tagList=[tag])
    api.call("POST", f"/articles/{article['slug']}/favorite", reader["token"])
    api.call("POST", f"/profiles/{author['username']}/follow", reader["token"])

    (as_reader,) = listed(api, reader["token"], tag=tag)["articles"]
    (anonymously,) = listed(api, tag=tag)["articles"]

    assert (as_reader["favorited"], as_reader["author"]["following"]) == (True, True)
    assert (anonymously["favorited"], anonymously["author"]["following"]) == (False, False)
    assert as_reader["favoritesCount"] == anonymously["favoritesCount"] == 1


# --- feed ---------------------------------------------------------------------------------------


def test_feed_holds_only_followed_authors_with_following_true(api, author, reader):
    unfollowed = api.register()
    followed_articles = [api.create_article(author["token"])["slug"] for _ in range(2)]
    api.create_article(unfollowed["token"])
    api.call("POST", f"/profiles/{author['username']}/follow", reader["token"])

    response = api.call("GET", "/articles/feed", reader["token"])

    assert response.status_code == 200
    feed = response.json()
    assert slugs(feed) == followed_articles[::-1]
    assert feed["articlesCount"] == 2
    assert all(item["author"]["following"] is True for item in feed["articles"])
    assert all("body" not in item for item in feed["articles"])


def test_feed_pages_with_limit_and_offset(api, author, reader):
    created = [api.create_article(author["token"])["slug"] for _ in range(3)]
    api.call("POST", f"/profiles/{author['username']}/follow", reader["token"])

    response = api.call("GET", "/articles/feed", reader["token"], params={"limit": 1, "offset": 1})

    assert (slugs(response.json()), response.json()["articlesCount"]) == ([created[1]], 3)


def test_feed_of_someone_who_follows_nobody_is_empty(api, reader):
    response = api.call("GET", "/articles/feed", reader["token"])

    assert response.status_code == 200
    assert response.json() == {"articles": [], "articlesCount": 0}


def test_unfollowing_removes_the_author_from_the_feed(api, author, reader):
    api.create_article(author["token"])
    follow = f"/profiles/{author['username']}/follow"
    api.call("POST", follow, reader["token"])
    api.call("DELETE", follow, reader["token"])

    response = api.call("GET", "/articles/feed", reader["token"])

    assert response.json() == {"articles": [], "articlesCount": 0}


# --- favorites ----------------------------------------------------------------------------------


def test_favorite_and_unfavorite_return_the_full_article_and_are_idempotent(api, author, reader):
    slug = api.create_article(author["token"])["slug"]
    path = f"/articles/{slug}/favorite"

    first = api.call("POST", path, reader["token"])
    again = api.call("POST", path, reader["token"])
    seen_anonymously = api.call("GET", f"/articles/{slug}").json()["article"]
    removed = api.call("DELETE", path, reader["token"])
    removed_again = api.call("DELETE", path, reader["token"])

    assert first.status_code == again.status_code == 200
    assert set(first.json()["article"]) == ARTICLE_KEYS
    assert (first.json()["article"]["favorited"], first.json()["article"]["favoritesCount"]) == (
        True,
        1,
    )
    assert again.json()["article"]["favoritesCount"] == 1
    assert (seen_anonymously["favorited"], seen_anonymously["favoritesCount"]) == (False, 1)
    assert removed.status_code == removed_again.status_code == 200
    assert set(removed.json()["article"]) == ARTICLE_KEYS
    assert (
        removed.json()["article"]["favorited"],
        removed.json()["article"]["favoritesCount"],
    ) == (
        False,
        0,
    )
    assert removed_again.json()["article"]["favoritesCount"] == 0


def test_favorites_of_several_readers_add_up(api, author, reader):
    slug = api.create_article(author["token"])["slug"]

    api.call("POST", f"/articles/{slug}/favorite", reader["token"])
    second = api.call("POST", f"/articles/{slug}/favorite", api.register()["token"])
    own = api.call("POST", f"/articles/{slug}/favorite", author["token"])

    assert second.json()["article"]["favoritesCount"] == 2
    assert own.json()["article"]["favoritesCount"] == 3
    assert api.call("GET", f"/articles/{slug}", reader["token"]).json()["article"]["favorited"]


# --- update and delete --------------------------------------------------------------------------


def test_an_immediate_edit_moves_updated_at_strictly_forward_and_keeps_the_rest(api, author):
    created = api.create_article(author["token"], tagList=["kept"])
    path = f"/articles/{created['slug']}"

    first = api.call("PUT", path, author["token"], json={"article": {"body": "Edited once"}})
    second = api.call("PUT", path, author["token"], json={"article": {"body": "Edited twice"}})

    assert first.status_code == second.status_code == 200
    edited = second.json()["article"]
    assert created["updatedAt"] < first.json()["article"]["updatedAt"] < edited["updatedAt"]
    assert edited["createdAt"] == created["createdAt"]
    assert edited["slug"] == created["slug"]  # the title did not change
    assert (edited["title"], edited["description"], edited["tagList"]) == (
        created["title"],
        created["description"],
        ["kept"],
    )
    assert api.call("GET", path).json()["article"]["body"] == "Edited twice"


def test_a_new_title_gives_a_new_slug_that_works(api, author):
    created = api.create_article(author["token"])
    new_title = unique("Renamed ")

    response = api.call(
        "PUT",
        f"/articles/{created['slug']}",
        author["token"],
        json={"article": {"title": new_title}},
    )

    renamed = response.json()["article"]
    assert renamed["slug"] != created["slug"]
    assert api.call("GET", f"/articles/{renamed['slug']}").json()["article"]["title"] == new_title
    # The old slug, through the gateway and its edge cache: a 301 to the current one.
    moved = api.call("GET", f"/articles/{created['slug']}", allow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/api/articles/{renamed['slug']}"
    followed = api.call("GET", f"/articles/{created['slug']}")
    assert followed.json()["article"]["title"] == new_title


@pytest.mark.parametrize(
    ("change", "expected_tags"),
    [
        ({"body": "tags not mentioned"}, ["one", "two"]),
        ({"tagList": []}, []),
        ({"tagList": ["three", "one"]}, ["one", "three"]),
    ],
    ids=["omitted-keeps", "empty-clears", "array-replaces"],
)
def test_tag_list_on_update(api, author, change, expected_tags):
    slug = api.create_article(author["token"], tagList=["two", "one"])["slug"]

    response = api.call("PUT", f"/articles/{slug}", author["token"], json={"article": change})

    assert response.status_code == 200
    assert response.json()["article"]["tagList"] == expected_tags
    assert api.call("GET", f"/articles/{slug}").json()["article"]["tagList"] == expected_tags


def test_tag_list_null_on_update_is_422_and_keeps_the_tags(api, author):
    slug = api.create_article(author["token"], tagList=["stays"])["slug"]

    response = api.call(
        "PUT", f"/articles/{slug}", author["token"], json={"article": {"tagList": None}}
    )

    assert response.status_code == 422
    assert response.json() == {"errors": {"tagList": ["must be an array"]}}
    assert api.call("GET", f"/articles/{slug}").json()["article"]["tagList"] == ["stays"]


def test_delete_is_204_with_no_body_then_the_article_and_its_comments_are_gone(api, author, reader):
    tag = unique("gone")
    slug = api.create_article(author["token"], tagList=[tag])["slug"]
    api.call("POST", f"/articles/{slug}/comments", reader["token"], json={"comment": {"body": "x"}})

    response = api.call("DELETE", f"/articles/{slug}", author["token"])

    assert response.status_code == 204
    assert response.content == b""
    for path in (f"/articles/{slug}", f"/articles/{slug}/comments"):
        gone = api.call("GET", path)
        assert gone.status_code == 404
        assert gone.json() == ARTICLE_NOT_FOUND
    assert listed(api, tag=tag) == {"articles": [], "articlesCount": 0}
    assert tag not in api.call("GET", "/tags").json()["tags"]


# --- comments -----------------------------------------------------------------------------------


def test_comments_are_listed_oldest_first_with_integer_ids_for_anyone(api, author, reader):
    slug = api.create_article(author["token"])["slug"]
    path = f"/articles/{slug}/comments"

    posted = []
    for index, commenter in enumerate((reader, author, reader)):
        response = api.call(
            "POST", path, commenter["token"], json={"comment": {"body": f"comment {index}"}}
        )
        assert response.status_code == 201
        posted.append(response.json()["comment"])
    listing = api.call("GET", path)

    assert listing.status_code == 200
    comments = listing.json()["comments"]
    assert [comment["body"] for comment in comments] == ["comment 0", "comment 1", "comment 2"]
    assert comments == posted
    for comment in comments:
        assert set(comment) == COMMENT_KEYS
        assert type(comment["id"]) is int
        assert TIMESTAMP.fullmatch(comment["createdAt"])
    assert len({comment["id"] for comment in comments}) == 3
    assert comments[0]["author"] == {
        "username": reader["username"],
        "bio": None,
        "image": None,
        "following": False,
    }


def test_a_blank_comment_is_422(api, author):
    slug = api.create_article(author["token"])["slug"]

    response = api.call(
        "POST", f"/articles/{slug}/comments", author["token"], json={"comment": {"body": ""}}
    )

    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["can't be blank"]}}


def test_only_its_author_may_delete_a_comment_and_it_survives_a_403(api, author, reader):
    slug = api.create_article(author["token"])["slug"]
    path = f"/articles/{slug}/comments"
    comment = api.call("POST", path, reader["token"], json={"comment": {"body": "mine"}}).json()[
        "comment"
    ]

    by_article_author = api.call("DELETE", f"{path}/{comment['id']}", author["token"])
    still_there = api.call("GET", path).json()["comments"]
    by_its_author = api.call("DELETE", f"{path}/{comment['id']}", reader["token"])

    assert by_article_author.status_code == 403
    assert by_article_author.json() == {"errors": {"comment": ["forbidden"]}}
    assert [item["id"] for item in still_there] == [comment["id"]]
    assert by_its_author.status_code == 204 and by_its_author.content == b""
    assert api.call("GET", path).json()["comments"] == []


def test_an_unknown_comment_or_one_of_another_article_is_404_comment(api, author):
    first = api.create_article(author["token"])["slug"]
    second = api.create_article(author["token"])["slug"]
    comment = api.call(
        "POST", f"/articles/{first}/comments", author["token"], json={"comment": {"body": "c"}}
    ).json()["comment"]

    unknown = api.call("DELETE", f"/articles/{first}/comments/999999999", author["token"])
    elsewhere = api.call("DELETE", f"/articles/{second}/comments/{comment['id']}", author["token"])

    for response in (unknown, elsewhere):
        assert response.status_code == 404
        assert response.json() == {"errors": {"comment": ["not found"]}}
    assert len(api.call("GET", f"/articles/{first}/comments").json()["comments"]) == 1


# --- tags ---------------------------------------------------------------------------------------


def test_tags_include_a_fresh_tag_at_once_each_tag_once_sorted(api, author):
    tag = unique("fresh")
    api.create_article(author["token"], tagList=[tag])
    api.create_article(author["token"], tagList=[tag])

    response = api.call("GET", "/tags")

    assert response.status_code == 200
    tags = response.json()["tags"]
    assert tags.count(tag) == 1
    assert tags == sorted(tags)
    assert all(isinstance(item, str) for item in tags)
