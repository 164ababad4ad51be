"""Idempotency-Key on creating POSTs (issue 10): a client, or a browser, that sends a creating
request again gets the first reply and creates nothing more."""

import re
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.idempotency import utc_now
from webapp.extensions import db
from webapp.models import Article, Comment, IdempotencyKey

from .support import as_user, count_rows, unique

FORM_KEY = re.compile(rb'name="idempotency_key" value="([^"]+)"')


def post_article(client, author, key: str, **fields):
    article = {"title": unique("Keyed"), "description": "d", "body": "b", **fields}
    return client.post(
        "/api/articles",
        json={"article": article},
        headers={**as_user(author), "Idempotency-Key": key},
    )


@pytest.fixture
def author(people):
    return people("keyed")


def test_a_retried_article_is_created_once_and_answered_alike(app, client, author):
    key, title = str(uuid.uuid4()), unique("Once")

    first = post_article(client, author, key, title=title)
    again = post_article(client, author, key, title=title)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers[UNCHANGED_HEADER] == "1"  # a replay changes no page
    assert count_rows(app, Article, title=title) == 1


def test_the_same_key_for_another_article_is_a_422(app, client, author):
    key = str(uuid.uuid4())
    post_article(client, author, key)

    other = post_article(client, author, key, title=unique("Other"))

    assert other.status_code == 422
    assert other.json == {
        "errors": {"Idempotency-Key": ["was already used for a different request"]}
    }


def test_keys_belong_to_their_caller(app, client, people):
    key, title = str(uuid.uuid4()), unique("Shared key")

    first = post_article(client, people("one"), key, title=title)
    second = post_article(client, people("two"), key, title=title)

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert count_rows(app, Article, title=title) == 2


def test_a_malformed_key_is_a_422(client, author):
    response = post_article(client, author, "has spaces")

    assert response.status_code == 422
    assert response.json == {"errors": {"Idempotency-Key": ["is invalid"]}}


def test_a_retried_comment_is_added_once(app, client, author, articles):
    slug = articles.create(author)["slug"]
    key = str(uuid.uuid4())

    def post():
        return client.post(
            f"/api/articles/{slug}/comments",
            json={"comment": {"body": "Only once"}},
            headers={**as_user(author), "Idempotency-Key": key},
        )

    first, again = post(), post()

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert [c["body"] for c in client.get(f"/api/articles/{slug}/comments").json["comments"]] == [
        "Only once"
    ]


def test_twins_sent_at_once_create_one_article(app, author):
    key, title = str(uuid.uuid4()), unique("Twins")
    replies, start = [], threading.Barrier(2)

    def send():
        client = app.test_client()
        start.wait()
        replies.append(post_article(client, author, key, title=title))

    twins = [threading.Thread(target=send) for _ in range(2)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join()

    assert [reply.status_code for reply in replies] == [201, 201]
    assert replies[0].json == replies[1].json
    assert count_rows(app, Article, title=title) == 1


def test_a_write_that_failed_to_commit_left_no_key_so_the_retry_creates_it(
    app, client, author, monkeypatch
):
    """The key is committed with the write, or not at all: a crash before the commit cannot
    leave a key that would replay a reply for an article that does not exist."""
    key, title = str(uuid.uuid4()), unique("Crash")
    commit = db.session.commit

    def crash():
        raise sa.exc.OperationalError("COMMIT", {}, ConnectionError("server closed"))

    monkeypatch.setattr(db.session, "commit", crash)
    failed = post_article(client, author, key, title=title)
    monkeypatch.setattr(db.session, "commit", commit)
    retried = post_article(client, author, key, title=title)

    assert failed.status_code == 503
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert count_rows(app, Article, title=title) == 1


def test_expired_keys_are_free_again_and_purged_by_later_writes(app, client, author):
    key, stale = str(uuid.uuid4()), str(uuid.uuid4())
    post_article(client, author, key)
    post_article(client, author, stale)
    with app.app_context():
        db.session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.key.in_([key, stale]))
            .values(created_at=utc_now() - timedelta(hours=25))
        )
        db.session.commit()

    again = post_article(client, author, key, title=unique("A day later"))

    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    with app.app_context():
        kept = set(db.session.scalars(sa.select(IdempotencyKey.key)))
    assert key in kept and stale not in kept


# --- the web forms: a key per rendering, so a double submit creates once -------------------


def form_key(html: bytes) -> str:
    match = FORM_KEY.search(html)
    assert match, "no idempotency_key field in the form"
    return match.group(1).decode()


def test_each_rendering_of_the_editor_carries_a_new_key(client, sign_in, author):
    sign_in(author)

    assert form_key(client.get("/editor").data) != form_key(client.get("/editor").data)


def test_a_double_submitted_new_article_form_creates_one_article(app, client, sign_in, author):
    sign_in(author)
    form = {
        "title": unique("Double click"),
        "description": "d",
        "body": "b",
        "action": "publish",
        "idempotency_key": form_key(client.get("/editor").data),
    }

    first, second = client.post("/editor", data=form), client.post("/editor", data=form)

    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert count_rows(app, Article, title=form["title"]) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_double_submitted_comment_form_adds_one_comment(
    app, client, sign_in, author, articles, htmx
):
    sign_in(author)
    slug = articles.create(author)["slug"]
    page = client.get(f"/article/{slug}").data
    form = {"body": unique("Said once"), "idempotency_key": form_key(page)}
    headers = {"HX-Request": "true"} if htmx else {}

    first = client.post(f"/article/{slug}/comments", data=form, headers=headers)
    second = client.post(f"/article/{slug}/comments", data=form, headers=headers)

    assert first.status_code == second.status_code == (200 if htmx else 303)
    assert count_rows(app, Comment, body=form["body"]) == 1
    if htmx:  # the repeat swaps in the same list, the comment in it once
        assert second.data.count(form["body"].encode()) == 1


def test_a_form_sent_back_with_other_fields_creates_a_new_article(app, client, sign_in, author):
    """The Back button brings the form back with its old key; edited and sent, it is a new
    submission, not a conflict the reader could do nothing about."""
    sign_in(author)
    key = form_key(client.get("/editor").data)
    first = {"title": unique("First"), "description": "d", "body": "b", "idempotency_key": key}
    client.post("/editor", data=first)

    edited = {**first, "title": unique("Second")}
    second = client.post("/editor", data=edited)

    assert second.status_code == 303
    assert count_rows(app, Article, title=first["title"]) == 1
    assert count_rows(app, Article, title=edited["title"]) == 1
