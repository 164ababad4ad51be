"""Signed-in pages and API reads with a token are built from parts every viewer shares (kept
between requests) and the viewer's own bits (webapp.shared_parts, ADR 0025)."""

import re
import uuid

import pytest
import redis

from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable
from titanium_common.identity import USER_ID_HEADER
from webapp import authors, shared_parts
from webapp.articles import service as articles_service


def access_line(caplog, client, path: str, **kwargs):
    caplog.clear()
    with caplog.at_level("INFO", logger="titanium.access"):
        response = client.get(path, **kwargs)
    (access,) = [record for record in caplog.records if record.name == "titanium.access"]
    return response, access


def heart(html: bytes, slug: str) -> str:
    """The preview's favorite button for `slug`: 'pressed 3' or 'not pressed 3'."""
    form = re.search(rf'action="/article/{slug}/(?:un)?favorite">.*?</form>', html.decode(), re.S)
    pressed = 'aria-pressed="true"' in form.group(0)
    count = re.search(r"</i> (\d+)\s*</button>", form.group(0)).group(1)
    return f"{'pressed' if pressed else 'not pressed'} {count}"


def publish(app, author, tag: str):
    """An article by `author`; in an app context of its own, so that every request of the test
    has its own (as in production: flask-login keeps the viewer in `g`)."""
    fields = {"title": f"On {tag}", "description": "d", "body": "b", "tagList": [tag]}
    with app.app_context():
        return articles_service.create_article(author.id, fields)


def test_a_signed_in_home_page_read_again_costs_the_viewers_own_bits_only(
    client, app, people, sign_in, caplog, user_service
):
    author, reader = people("shared"), people("reader")
    for _ in range(11):  # more than a page, so the list needs its count
        publish(app, author, "kept")
    sign_in(reader)
    client.get("/")  # the authors' copies arrive (a content change), then
    client.get("/")  # the parts everyone shares are read and kept
    user_service.calls.clear()

    response, access = access_line(caplog, client, "/")

    assert response.status_code == 200
    # The viewer's session with their profile copy, and which of these ten they favorited; the
    # page of articles, its count, tags, authors and the tag list come from the kept parts.
    assert access.db_queries == 2
    assert user_service.calls == []


def test_each_viewer_sees_their_own_favorites_on_a_shared_page(client, app, people, sign_in):
    author, ada, bob = people("author"), people("ada"), people("bob")
    article = publish(app, author, "hearts")
    bobs_browser = app.test_client()
    sign_in(ada)
    sign_in(bob, bobs_browser)
    assert heart(client.get("/tag/hearts").data, article.slug) == "not pressed 0"

    with app.app_context():
        articles_service.favorite(article.slug, ada.id)

    assert heart(client.get("/tag/hearts").data, article.slug) == "pressed 1"
    assert heart(bobs_browser.get("/tag/hearts").data, article.slug) == "not pressed 1"
    bobs_browser.post(f"/article/{article.slug}/favorite", data={"next": "/tag/hearts"})
    assert heart(client.get("/tag/hearts").data, article.slug) == "pressed 2"
    assert heart(bobs_browser.get("/tag/hearts").data, article.slug) == "pressed 2"


def test_an_api_read_with_a_token_shows_the_callers_favorites_and_following(
    client, app, people, user_service
):
    author, reader = people("apiauthor"), people("apireader")
    article = publish(app, author, "apikept")
    client.get("/api/articles?tag=apikept")  # kept for everyone
    with app.app_context():
        articles_service.favorite(article.slug, reader.id)
    user_service.follows.add((reader.id, author.id))

    mine = client.get("/api/articles?tag=apikept", headers={USER_ID_HEADER: reader.id}).json
    anyone = client.get("/api/articles?tag=apikept").json

    assert mine["articles"][0]["favorited"] is True
    assert mine["articles"][0]["author"]["following"] is True
    assert anyone["articles"][0]["favorited"] is False
    assert anyone["articles"][0]["author"]["following"] is False
    assert anyone["articles"][0]["favoritesCount"] == 1


class FlakyRedis:
    """A Redis client that fails while `down`."""

    def __init__(self, client):
        self.client = client
        self.down = False

    def run(self, command):
        if self.down:
            raise RedisUnavailable("down")
        return command(self.client)


@pytest.fixture
def real_redis(backend):
    if not backend.redis_url:
        pytest.skip("needs TITANIUM_REDIS_URL")
    return redis.Redis.from_url(backend.redis_url)


def test_a_version_move_missed_while_redis_was_down_is_made_up_before_anything_is_kept(
    app, real_redis
):
    store = shared_parts.SharedParts(
        GuardedRedis("redis://unused", timeout_seconds=1, backoff_seconds=1),
        f"test-shared-parts-{id(real_redis)}:",
        enabled=True,
    )
    flaky = FlakyRedis(real_redis)
    store._redis = flaky
    reads = iter(["before the write", "after the write", "later"])

    with app.test_request_context():
        assert store.get("part", lambda: next(reads)) == "before the write"
    flaky.down = True
    with app.test_request_context():
        store.content_changed()  # missed: Redis is down
        assert store.get("part", lambda: "not kept") == "not kept"  # nothing kept while down
    flaky.down = False
    with app.test_request_context():
        assert store.get("part", lambda: next(reads)) == "after the write"
    with app.test_request_context():
        assert store.get("part", lambda: next(reads)) == "after the write"  # kept again


def test_a_preview_kept_as_rendered_shows_an_edit_and_a_new_author_name_at_once(
    client, app, people
):
    author = people("renamed")
    article = publish(app, author, "fragments")
    assert f"/profile/{author.username}".encode() in client.get("/tag/fragments").data

    with app.app_context():
        edited = articles_service.update_article(
            article.slug, author.id, {"title": "A better title", "description": "Sharper."}
        )
        authors.apply_snapshot(
            uuid.UUID(author.id), authors.Snapshot("renamed-again", None, None, version=99)
        )
    html = client.get("/tag/fragments").data

    assert b"A better title" in html and b"Sharper." in html
    assert f'href="/article/{edited.slug}"'.encode() in html
    assert b'<a class="author" href="/profile/renamed-again">renamed-again</a>' in html
    assert author.username.encode() not in html


def test_a_page_built_from_kept_parts_names_everything_it_shows_for_the_edge_cache(
    client, app, people
):
    author = people("keyed")
    article = publish(app, author, "keyed")
    path = "/tag/keyed"
    first = client.get(path).headers["Surrogate-Key"].split()

    again = client.get(path).headers["Surrogate-Key"].split()  # from the kept parts

    assert sorted(again) == sorted(first)
    assert {f"article-{article.id}", f"author-{author.id}", "tag-keyed", "tags"} <= set(again)
