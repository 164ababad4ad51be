"""PUT /internal/authors/<id>: auth_service's outbox keeps webapp's copies of the authors."""

import uuid

import pytest

from ..support import unique

NOT_ALLOWED = ["contains characters that are not allowed"]


def put_author(client, account_id, **profile):
    return client.put(f"/internal/authors/{account_id}", json={"profile": profile})


@pytest.fixture
def author(user_service):
    return user_service.create(unique("author"))


def test_a_snapshot_is_what_pages_and_replies_show_from_then_on(client, articles, author):
    slug = articles.create(author)["slug"]

    response = put_author(client, author.id, username="renamed", bio="New bio", version=2)

    assert response.status_code == 200
    assert response.json == {
        "author": {
            "id": author.id,
            "username": "renamed",
            "bio": "New bio",
            "image": None,
            "version": 2,
        }
    }
    shown = client.get(f"/api/articles/{slug}").json["article"]["author"]
    assert (shown["username"], shown["bio"]) == ("renamed", "New bio")
    assert b'<a class="author" href="/profile/renamed">' in client.get(f"/article/{slug}").data


def test_snapshots_apply_in_version_order_whatever_order_they_arrive_in(client, author):
    account_id = str(uuid.uuid4())
    put_author(client, account_id, username=unique("v3"), version=3)

    older = put_author(client, account_id, username="older", version=2)
    same = put_author(client, account_id, username="same", version=3)

    assert older.status_code == same.status_code == 200
    assert older.json["author"]["version"] == same.json["author"]["version"] == 3
    assert older.json["author"]["username"] not in ("older", "same")


def test_delivering_the_same_snapshot_twice_is_harmless(client):
    account_id, name = str(uuid.uuid4()), unique("twice")

    first = put_author(client, account_id, username=name, version=1)
    again = put_author(client, account_id, username=name, version=1)

    assert first.json == again.json


def test_a_known_author_is_never_asked_of_user_service(client, articles, author, user_service):
    slug = articles.create(author)["slug"]
    put_author(client, author.id, username=author.username, version=5)
    user_service.calls.clear()

    client.get(f"/article/{slug}")
    client.get(f"/profile/{author.username}")

    assert user_service.calls == []


@pytest.mark.parametrize(
    ("profile", "errors"),
    [
        ({"bio": "x", "version": 1}, {"username": ["can't be blank"]}),
        ({"username": "a", "version": 0}, {"version": ["is invalid"]}),
        ({"username": "a", "version": True}, {"version": ["is invalid"]}),
        ({"username": "a", "version": 2**31}, {"version": ["is invalid"]}),
        ({"username": "a"}, {"version": ["can't be blank"]}),
        ({"username": "a\x00b", "version": 1}, {"username": NOT_ALLOWED}),
        ({"username": "u", "version": 1, "image": "\ud800"}, {"image": NOT_ALLOWED}),
    ],
)
def test_a_malformed_snapshot_is_a_json_422(client, profile, errors):
    response = client.put(f"/internal/authors/{uuid.uuid4()}", json={"profile": profile})

    assert response.status_code == 422
    assert response.json == {"errors": errors}


def test_a_malformed_account_id_is_a_json_422(client):
    response = put_author(client, "not-a-uuid", username="a", version=1)

    assert response.status_code == 422
    assert response.json == {"errors": {"id": ["is invalid"]}}


def test_the_relay_needs_no_csrf_token_or_session(csrf_client):
    """A service call, not a form: CSRF does not apply (the mesh admits auth_service only)."""
    response = put_author(csrf_client, uuid.uuid4(), username=unique("relay"), version=1)

    assert response.status_code == 200
