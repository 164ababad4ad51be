"""/api/articles/<slug>/comments through the JSON contract."""

import re

import pytest

from ..support import as_user, unique


@pytest.fixture
def ada(user_service):
    return user_service.create(unique("ada"))


@pytest.fixture
def bob(user_service):
    return user_service.create(unique("bob"))


@pytest.fixture
def slug(articles, ada):
    return articles.create(ada)["slug"]


def post_comment(client, slug, author, body="Nice post"):
    return client.post(
        f"/api/articles/{slug}/comments", json={"comment": {"body": body}}, headers=as_user(author)
    )


def test_post_returns_201_with_an_integer_id(client, slug, bob):
    response = post_comment(client, slug, bob, "First!")

    assert response.status_code == 201
    comment = response.json["comment"]
    assert isinstance(comment["id"], int)
    assert comment["body"] == "First!"
    assert comment["author"]["username"] == bob.username
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", comment["createdAt"])


def test_list_is_open_to_anyone_oldest_first_without_a_profile_call(
    client, slug, ada, bob, user_service
):
    ids = [post_comment(client, slug, author).json["comment"]["id"] for author in (bob, ada, bob)]
    user_service.calls.clear()

    response = client.get(f"/api/articles/{slug}/comments")

    assert response.status_code == 200
    assert [c["id"] for c in response.json["comments"]] == ids
    assert [c["author"]["username"] for c in response.json["comments"]] == [
        bob.username,
        ada.username,
        bob.username,
    ]
    assert user_service.calls == []


def test_the_author_deletes_a_comment_with_204(client, slug, bob):
    comment_id = post_comment(client, slug, bob).json["comment"]["id"]

    response = client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=as_user(bob))

    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/articles/{slug}/comments").json == {"comments": []}


def test_someone_else_gets_403_and_the_comment_stays(client, slug, ada, bob):
    comment_id = post_comment(client, slug, bob).json["comment"]["id"]

    response = client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=as_user(ada))

    assert response.status_code == 403
    assert response.json == {"errors": {"comment": ["forbidden"]}}
    assert len(client.get(f"/api/articles/{slug}/comments").json["comments"]) == 1


@pytest.mark.parametrize("body", ["", "   ", None])
def test_a_blank_comment_is_422(client, slug, bob, body):
    response = post_comment(client, slug, bob, body)

    assert response.status_code == 422
    assert response.json == {"errors": {"body": ["can't be blank"]}}


def test_a_missing_wrapper_is_422_keyed_by_comment(client, slug, bob):
    response = client.post(f"/api/articles/{slug}/comments", json={}, headers=as_user(bob))

    assert response.status_code == 422
    assert response.json == {"errors": {"comment": ["can't be blank"]}}


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/articles/nope/comments"), ("DELETE", "/api/articles/nope/comments/1")],
)
def test_writes_without_identity_are_401(client, method, path):
    response = client.open(path, method=method, json={"comment": {"body": "x"}})

    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is missing"]}}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/articles/nope/comments"),
        ("POST", "/api/articles/nope/comments"),
        ("DELETE", "/api/articles/nope/comments/1"),
    ],
)
def test_an_unknown_article_is_404_article(client, bob, method, path):
    response = client.open(path, method=method, data=b"{bad json", headers=as_user(bob))

    assert response.status_code == 404
    assert response.json == {"errors": {"article": ["not found"]}}


def test_a_comment_of_another_article_or_a_bad_id_is_404_comment(client, articles, ada, slug, bob):
    other_slug = articles.create(ada)["slug"]
    elsewhere = post_comment(client, other_slug, bob).json["comment"]["id"]

    for comment_id in (elsewhere, 999999999, "abc"):
        response = client.delete(
            f"/api/articles/{slug}/comments/{comment_id}", headers=as_user(bob)
        )
        assert response.status_code == 404
        assert response.json == {"errors": {"comment": ["not found"]}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("lone \ud800", "contains characters that are not allowed"),
        ("nul \x00", "contains characters that are not allowed"),
        ("x" * 5001, "is too long (maximum is 5000 characters)"),
    ],
)
def test_a_refused_or_overlong_comment_is_422(client, slug, bob, body, message):
    response = post_comment(client, slug, bob, body)

    assert response.status_code == 422
    assert response.json == {"errors": {"body": [message]}}
