"""Surrogate keys (ADR 0023): every reply the gateway's edge cache may keep names what it shows,
and every successful write names what it changed, so the cache forgets only those pages."""

import pytest

from titanium_common.caching import PURGE_HEADER, SURROGATE_KEY_HEADER, UNCHANGED_HEADER

from .support import as_user, unique


def shown(response) -> set[str]:
    assert response.status_code == 200
    return set(response.headers.get(SURROGATE_KEY_HEADER, "").split())


def purged(response) -> set[str]:
    assert response.status_code < 400, response.data
    return set(response.headers.get(PURGE_HEADER, "").split())


@pytest.fixture
def ada(people):
    return people("ada")


@pytest.fixture
def bob(people):
    return people("bob")


@pytest.fixture
def story(write, comment, ada, bob):
    """ada's article tagged `keys`, with bob's comment."""
    article = write(ada, tagList=["keys"])
    comment(article, bob)
    return article


def test_pages_name_every_article_author_list_and_tag_they_show(client, story, ada, bob):
    article, author, commenter = f"article-{story.id}", f"author-{ada.id}", f"author-{bob.id}"

    assert {article, author, "articles", "tags", "tag-keys"} <= shown(client.get("/"))
    assert {article, author, "articles", "tag-keys"} <= shown(client.get("/tag/keys"))
    comments = f"comments-{story.id}"
    assert {article, author, comments, commenter} <= shown(client.get(f"/article/{story.slug}"))
    assert {article, author, "articles"} <= shown(client.get(f"/profile/{ada.username}"))
    assert {article, author, "articles"} <= shown(client.get("/feed.xml"))
    assert {article, "articles", "tags"} <= shown(client.get("/sitemap.xml"))


def test_anonymous_api_reads_name_what_they_show(client, story, ada, bob):
    article, author = f"article-{story.id}", f"author-{ada.id}"

    assert {article, author, "articles", "tag-keys"} <= shown(client.get("/api/articles"))
    assert {article, author} <= shown(client.get(f"/api/articles/{story.slug}"))
    comments = client.get(f"/api/articles/{story.slug}/comments")
    assert {f"comments-{story.id}", f"author-{bob.id}"} <= shown(comments)
    assert shown(client.get("/api/tags")) == {"tags"}


def test_a_list_filtered_by_a_name_nobody_has_names_that_name(client):
    nobody = unique("nobody")

    assert f"username-{nobody}" in shown(client.get(f"/api/articles?author={nobody}"))


def test_replies_no_cache_may_keep_name_nothing(client, story, ada):
    signed_in = client.get("/api/articles", headers=as_user(ada))

    assert signed_in.headers["Cache-Control"] == "private, no-store"
    assert SURROGATE_KEY_HEADER not in signed_in.headers


def test_a_new_article_changes_lists_tags_and_its_author(client, articles, ada):
    created = client.post(
        "/api/articles",
        json={"article": {"title": unique("T"), "description": "d", "body": "b", "tagList": ["n"]}},
        headers=as_user(ada),
    )

    keys = purged(created)
    assert {"articles", "tags", "tag-n", f"author-{ada.id}"} <= keys
    assert len([key for key in keys if key.startswith("article-")]) == 1


def test_an_edit_changes_the_article_and_its_old_and_new_tags(client, write, ada):
    article = write(ada, tagList=["old"])

    edited = client.put(
        f"/api/articles/{article.slug}",
        json={"article": {"tagList": ["new"]}},
        headers=as_user(ada),
    )

    assert {f"article-{article.id}", "articles", "tags", "tag-old", "tag-new"} <= purged(edited)


def test_deleting_changes_the_article_lists_and_tags(client, story, ada):
    deleted = client.delete(f"/api/articles/{story.slug}", headers=as_user(ada))

    assert {f"article-{story.id}", f"author-{ada.id}", "articles", "tags", "tag-keys"} <= purged(
        deleted
    )


def test_a_comment_changes_only_its_articles_comments(client, story, bob):
    added = client.post(
        f"/api/articles/{story.slug}/comments",
        json={"comment": {"body": "Another"}},
        headers=as_user(bob),
    )
    removed = client.delete(
        f"/api/articles/{story.slug}/comments/{added.json['comment']['id']}",
        headers=as_user(bob),
    )

    assert purged(added) == purged(removed) == {f"comments-{story.id}"}


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_favorite_changes_the_article_and_every_list(client, story, bob, method):
    if method == "DELETE":
        client.post(f"/api/articles/{story.slug}/favorite", headers=as_user(bob))

    response = client.open(
        f"/api/articles/{story.slug}/favorite", method=method, headers=as_user(bob)
    )

    assert purged(response) == {f"article-{story.id}", "articles"}


def test_a_refused_write_names_nothing(client, story, bob):
    refused = client.put(
        f"/api/articles/{story.slug}", json={"article": {"title": "x"}}, headers=as_user(bob)
    )

    assert refused.status_code == 403
    assert PURGE_HEADER not in refused.headers


def test_a_profile_copy_update_changes_the_author_and_its_new_name(client, ada):
    name = unique("renamed")

    response = client.put(
        f"/internal/authors/{ada.id}",
        json={"profile": {"username": name, "bio": None, "image": None, "version": 99}},
    )

    assert purged(response) == {f"author-{ada.id}", f"username-{name}"}


def test_following_changes_no_page(client, sign_in, ada, bob):
    sign_in(bob)

    response = client.post(f"/profile/{ada.username}/follow")

    assert response.status_code < 400
    assert response.headers[UNCHANGED_HEADER] == "1"
    assert PURGE_HEADER not in response.headers
