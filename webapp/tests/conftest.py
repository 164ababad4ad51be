"""Fixtures: every test runs on SQLite and, when configured, on PostgreSQL + Redis
(TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL), against a fake user_service on a real socket."""

import itertools

import flask
import pytest

from webapp import create_app, sessions
from webapp.accounts import client as auth_client
from webapp.articles import service as articles_service
from webapp.comments import service as comments_service

from . import fake_revocation_feed
from .fake_revocation_feed import FakeRevocationFeed
from .fake_user_service import FakeUserService, serve
from .support import PUBLIC_URL, TEST_SECRET_KEY, ArticleWriter, FakeAuthService

_numbers = itertools.count(1)


pytest_plugins = ["titanium_common.pytest_plugin"]


@pytest.fixture(scope="session")
def service_name():
    return "webapp"


@pytest.fixture(scope="session")
def fake_user_service_session():
    fake = FakeUserService()
    server = serve(fake)
    yield fake
    server.shutdown()


@pytest.fixture
def user_service(fake_user_service_session):
    """The fake user_service, healthy and with an empty call log at the start of each test."""
    fake_user_service_session.healthy()
    fake_user_service_session.calls.clear()
    yield fake_user_service_session
    fake_user_service_session.healthy()


@pytest.fixture(scope="session")
def app_factory():
    return create_app


@pytest.fixture(scope="session")
def revocation_feed_session():
    fake = FakeRevocationFeed()
    server = fake_revocation_feed.serve(fake)
    yield fake
    server.shutdown()


@pytest.fixture
def revocation_feed(revocation_feed_session):
    """auth_service's revocation feed, answering at the start of each test."""
    revocation_feed_session.failure_status = None
    return revocation_feed_session


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    """Where the tests' app keeps uploaded images (the file backend)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def app_settings(fake_user_service_session, revocation_feed_session, media_dir):
    return {
        "MEDIA_STORAGE_URL": f"file://{media_dir}",
        "SECRET_KEY": TEST_SECRET_KEY,
        "PUBLIC_URL": PUBLIC_URL,
        "USER_SERVICE_URL": fake_user_service_session.url,
        # The account calls are replaced in process (FakeAuthService); the feed is served.
        "AUTH_SERVICE_URL": revocation_feed_session.url,
        # One process, as `make run` without Redis: webapp.shared_parts keeps parts in it.
        "WEB_CONCURRENCY": 1,
    }


@pytest.fixture(scope="session")
def app(app, make_app):
    """Page tests post forms without tokens; `csrf_client` checks that tokens are enforced.
    (The shared `app` fixture has already built the schema.)"""
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture(scope="session")
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def people(user_service):
    """Creates profiles in the fake user_service: people("ada", bio=...) -> Profile."""

    def create(username: str | None = None, **fields):
        suffix = next(_numbers)
        return user_service.create(username and f"{username}{suffix}", **fields)

    return create


@pytest.fixture
def sign_in(client, app):
    """Signs `profile` in on the test client as a successful login does: a server-side session
    (at token version 1) and the cookie that names it."""

    def sign_in_as(profile, test_client=client):
        with app.test_request_context():
            sessions.start(profile.id, 1)
            session_id = flask.session[sessions.SESSION_ID_KEY]
        with test_client.session_transaction() as session:
            session["_user_id"] = profile.id
            session["_fresh"] = True
            session[sessions.SESSION_ID_KEY] = session_id
        return profile

    return sign_in_as


@pytest.fixture
def write(app_context):
    """Publishes (or drafts) an article through the service layer."""

    def write_article(author, *, draft=False, **fields):
        number = next(_numbers)
        values = {
            "title": f"Article {number}",
            "description": f"About {number}",
            "body": f"Body of article {number}.",
            "tagList": [],
        }
        values.update(fields)
        return articles_service.create_article(author.id, values, draft=draft)

    return write_article


@pytest.fixture
def comment(app_context):
    def add(article, author, body="A thoughtful comment."):
        return comments_service.add_comment(article.slug, author.id, body)

    return add


@pytest.fixture
def articles(client):
    """Writes articles through the JSON API, as a signed-in author's client would."""
    return ArticleWriter(client)


@pytest.fixture
def auth_service(monkeypatch, user_service, app):
    """Replaces the calls of webapp.accounts.client with FakeAuthService."""
    fake = FakeAuthService(user_service, app.test_client())
    for name in ("register", "login", "current_account", "update_account"):
        monkeypatch.setattr(auth_client, name, getattr(fake, name))
    monkeypatch.setattr(
        auth_client, "signed_in_as", lambda user: (user["id"], user["token_version"])
    )
    return fake
