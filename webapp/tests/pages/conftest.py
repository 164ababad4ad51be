"""Fixtures for the web UI: signed-in browsers, articles written through the service layer,
and a stand-in for auth_service at its client module's boundary."""

import itertools
import re

import pytest

from webapp.accounts import client as auth_client
from webapp.articles import service as articles
from webapp.comments import service as comments

CSRF_FIELD = re.compile(rb'name="csrf_token" value="([^"]+)"')
_titles = itertools.count(1)


@pytest.fixture
def people(user_service):
    """Creates profiles in the fake user_service: people("ada", bio=...) -> Profile."""

    def create(username: str | None = None, **fields):
        suffix = next(_titles)
        return user_service.create(username and f"{username}{suffix}", **fields)

    return create


@pytest.fixture
def sign_in(client):
    """Puts `profile` in the test client's session, as a successful login does."""

    def sign_in_as(profile):
        with client.session_transaction() as session:
            session["_user_id"] = profile.id
            session["_fresh"] = True
        return profile

    return sign_in_as


@pytest.fixture
def write(app_context):
    """Publishes (or drafts) an article through the service layer."""

    def write_article(author, *, draft=False, **fields):
        number = next(_titles)
        values = {
            "title": f"Article {number}",
            "description": f"About {number}",
            "body": f"Body of article {number}.",
            "tagList": [],
        }
        values.update(fields)
        return articles.create_article(author.id, values, draft=draft)

    return write_article


@pytest.fixture
def comment(app_context):
    def add(article, author, body="A thoughtful comment."):
        return comments.add_comment(article.slug, author.id, body)

    return add


@pytest.fixture(scope="session")
def app(app, make_app):
    """Page tests post forms without tokens; `csrf_client` checks that tokens are enforced.
    (The parent `app` fixture has already built the schema.)"""
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture(scope="session")
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


def csrf_token(client, path: str = "/login") -> str:
    """The token a real browser would have read from a form on `path`."""
    match = CSRF_FIELD.search(client.get(path).data)
    assert match, f"no CSRF field on {path}"
    return match.group(1).decode()


class FakeAuthService:
    """Replaces the auth_service calls of webapp.accounts.client, recording what was sent."""

    def __init__(self, user_service):
        self.user_service = user_service
        self.accounts: dict[str, dict] = {}  # email -> {id, username, password, email, bio, image}
        self.sent: list[tuple[str, dict]] = []
        self.rejection: auth_client.AuthRejected | None = None

    def _user(self, account: dict) -> dict:
        return {
            **{k: account[k] for k in ("email", "username", "bio", "image")},
            "id": account["id"],
        }

    def register(self, username, email, password):
        self.sent.append(("register", {"username": username, "email": email, "password": password}))
        self._raise_if_told()
        if email in self.accounts:
            raise auth_client.AuthRejected(409, {"email": ["has already been taken"]})
        profile = self.user_service.create(username)
        self.accounts[email] = {
            "id": profile.id, "username": username, "email": email, "password": password,
            "bio": None, "image": None,
        }  # fmt: skip
        return self._user(self.accounts[email])

    def login(self, email, password):
        self.sent.append(("login", {"email": email, "password": password}))
        self._raise_if_told()
        account = self.accounts.get(email)
        if account is None or account["password"] != password:
            raise auth_client.AuthRejected(401, {"credentials": ["invalid"]})
        return self._user(account)

    def current_account(self, account_id):
        return self._user(self._by_id(account_id))

    def update_account(self, account_id, changes):
        self.sent.append(("update", changes))
        self._raise_if_told()
        account = self._by_id(account_id)
        account.update(changes)
        self.user_service.profiles[account_id].update(
            {k: account[k] for k in ("username", "bio", "image")}
        )
        return self._user(account)

    def _by_id(self, account_id):
        return next(a for a in self.accounts.values() if a["id"] == account_id)

    def _raise_if_told(self):
        if self.rejection:
            raise self.rejection


@pytest.fixture
def auth_service(monkeypatch, user_service):
    fake = FakeAuthService(user_service)
    for name in ("register", "login", "current_account", "update_account"):
        monkeypatch.setattr(auth_client, name, getattr(fake, name))
    monkeypatch.setattr(auth_client, "account_id", lambda user: user["id"])
    return fake
