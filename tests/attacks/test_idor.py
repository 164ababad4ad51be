"""Insecure direct object references: knowing the slug, comment id, username or Idempotency-Key
of someone else's thing gives an attacker no way to change, delete or read what is theirs, through
the API or the web forms; and their things are exactly as they were afterwards."""

import pytest
import requests

from tests.support import unique
from tests.web import Browser, form_fields

FORBIDDEN, NOT_FOUND = 403, 404


@pytest.fixture
def victims_article(api, victim):
    article = api.create_article(victim.token, tagList=["mine"])
    comment = api.add_comment(victim.token, article["slug"], "my comment")
    return article, comment


def test_another_authors_article_and_comment_cannot_be_changed_or_deleted_by_the_api(
    api, victim, attacker, victims_article
):
    article, comment = victims_article
    slug = article["slug"]
    own = api.create_article(attacker.token)

    attempts = [
        api.call("PUT", f"/articles/{slug}", attacker.token, json={"article": {"title": "Mine"}}),
        api.call("PUT", f"/articles/{slug}", attacker.token, json={"article": {"tagList": []}}),
        api.call("DELETE", f"/articles/{slug}", attacker.token),
        api.call("DELETE", f"/articles/{slug}/comments/{comment['id']}", attacker.token),
        # The victim's comment through the attacker's own article.
        api.call("DELETE", f"/articles/{own['slug']}/comments/{comment['id']}", attacker.token),
    ]

    assert [a.status_code for a in attempts] == [FORBIDDEN] * 4 + [NOT_FOUND]
    after = api.call("GET", f"/articles/{slug}").json()["article"]
    assert (after["title"], after["tagList"]) == (article["title"], ["mine"])
    comments = api.call("GET", f"/articles/{slug}/comments").json()["comments"]
    assert [c["id"] for c in comments] == [comment["id"]]


def test_settings_change_only_the_signed_in_account(stack, api, victim, attacker):
    as_attacker = {"Authorization": f"Token {attacker.token}"}
    attempts = [
        api.call("PUT", "/user", attacker.token, json={"user": {"username": victim.username}}),
        api.call("PUT", "/user", attacker.token, json={"user": {"email": victim.email}}),
        # Not RealWorld requests (so not through the contract-checking client): an account id
        # in the body, and the identity header the gateway sets.
        requests.put(
            f"{stack.url}/api/user",
            json={"user": {"id": victim.id, "bio": "x"}},
            headers=as_attacker,
            timeout=10,
        ),
        requests.put(
            f"{stack.url}/api/user",
            json={"user": {"bio": "x"}},
            headers={**as_attacker, "X-Titanium-User-Id": victim.id},
            timeout=10,
        ),
    ]

    assert [a.status_code for a in attempts[:2]] == [409, 409]
    assert [a.json()["user"]["username"] for a in attempts[2:]] == [attacker.username] * 2
    mine = api.call("GET", "/user", victim.token).json()["user"]
    assert (mine["username"], mine["email"], mine["bio"]) == (victim.username, victim.email, None)


def test_another_callers_idempotency_key_replays_nothing_of_theirs(api, victim, attacker):
    key = unique("key-")
    body = {"article": {"title": unique("Keyed "), "description": "d", "body": "b"}}

    first = api.call("POST", "/articles", victim.token, json=body, headers={"Idempotency-Key": key})
    second = api.call(
        "POST", "/articles", attacker.token, json=body, headers={"Idempotency-Key": key}
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert second.json()["article"]["author"]["username"] == attacker.username
    assert second.json()["article"]["slug"] != first.json()["article"]["slug"]


def test_another_authors_draft_is_neither_readable_nor_editable(stack, api, attacker):
    author = Browser(stack.url)
    author.register()
    slug = author.publish(title := unique("Draft "), action="draft")
    intruder = Browser(stack.url)
    intruder.login(vars(attacker))

    assert api.call("GET", f"/articles/{slug}", attacker.token).status_code == NOT_FOUND
    assert api.call("GET", f"/articles/{slug}").status_code == NOT_FOUND
    assert intruder.get(f"/article/{slug}").status_code == NOT_FOUND
    assert intruder.get(f"/editor/{slug}").status_code in (FORBIDDEN, NOT_FOUND)
    assert title in author.get(f"/editor/{slug}").text


def test_another_authors_things_cannot_be_changed_through_the_web_forms(
    stack, api, victim, attacker, victims_article
):
    article, comment = victims_article
    slug = article["slug"]
    intruder = Browser(stack.url)
    intruder.login(vars(attacker))
    settings_form = intruder.page("/settings").one('form[action="/settings"]')
    csrf = dict(form_fields(settings_form))["csrf_token"]

    attempts = [
        intruder.post(
            f"/editor/{slug}",
            {
                "csrf_token": csrf,
                "title": "Hijacked",
                "description": "d",
                "body": "b",
                "action": "publish",
            },
        ),
        intruder.post(f"/article/{slug}/delete", {"csrf_token": csrf}),
        intruder.post(f"/article/{slug}/comments/{comment['id']}/delete", {"csrf_token": csrf}),
    ]

    assert [a.status_code for a in attempts] == [FORBIDDEN] * 3
    assert api.call("GET", f"/articles/{slug}").json()["article"]["title"] == article["title"]
    comments = api.call("GET", f"/articles/{slug}/comments").json()["comments"]
    assert [c["id"] for c in comments] == [comment["id"]]
