"""Helpers webapp's tests share: the gateway's identity header, unique names, CSRF tokens
read from forms, payloads that must render inert, and stand-ins at the upstream boundaries."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from titanium_common.identity import USER_ID_HEADER
from webapp.accounts import client as auth_client
from webapp.extensions import db
from webapp.upstream import UpstreamUnavailable

TEST_SECRET_KEY = "test-secret-key-not-for-production"
PUBLIC_URL = "http://blog.titanium.test"
CSRF_FIELD = re.compile(rb'name="csrf_token" value="([^"]+)"')
XSS_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>'
XSS_TAG = "<img src=x onerror=alert(4)>"  # tags cannot hold a slash, so no closing tags
XSS_BODY = (
    "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> "
    '[click](javascript:alert(3)) <a href="data:text/html,x">d</a> <iframe src=//e></iframe>'
)


def as_user(profile) -> dict[str, str]:
    """The identity header api_gateway adds for a signed-in caller."""
    return {USER_ID_HEADER: profile.id}


def forget_author_copies(app) -> None:
    """Drop webapp's copies of every author, as for data older than the copies."""
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM authors"))
        db.session.commit()


def count_rows(app, model, **where) -> int:
    """Rows of `model` matching `where`, read in an app context of its own (so a test's
    requests each keep their own session, as in production)."""
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def csrf_token(client, path: str = "/login") -> str:
    """The token a real browser would have read from a form on `path`."""
    match = CSRF_FIELD.search(client.get(path).data)
    assert match, f"no CSRF field on {path}"
    return match.group(1).decode()


class ArticleWriter:
    """Creates articles through the API, as a signed-in author would."""

    def __init__(self, client):
        self.client = client

    def create(self, author, title=None, tags=None, **fields) -> dict:
        article = {
            "title": title or unique("Title"),
            "description": "What it is about",
            "body": "# Heading\n\nSome *markdown*.",
            **fields,
        }
        if tags is not None:
            article["tagList"] = tags
        response = self.client.post(
            "/api/articles", json={"article": article}, headers=as_user(author)
        )
        assert response.status_code == 201, response.json
        return response.json["article"]


class FakeAuthService:
    """Replaces the auth_service calls of webapp.accounts.client, recording what was sent.
    Like auth_service's outbox, it delivers each profile change to user_service and webapp."""

    def __init__(self, user_service, webapp_client):
        self.user_service = user_service
        self.webapp = webapp_client
        self.accounts: dict[str, dict] = {}  # email -> {id, username, password, email, bio, image}
        self.versions: dict[str, int] = {}  # account id -> profile version
        self.sent: list[tuple[str, dict]] = []
        self.rejection: auth_client.AuthRejected | None = None
        # False: the outbox's events are late (the relay is behind): only the replies tell.
        self.delivers = True
        self.keys: dict[str, str] = {}  # Idempotency-Key -> email
        self.times_out_after_write = False

    def _deliver(self, account: dict) -> None:
        version = self.versions[account["id"]] = self.versions.get(account["id"], 0) + 1
        if not self.delivers:
            return
        snapshot = {k: account[k] for k in ("username", "bio", "image")} | {"version": version}
        response = self.webapp.put(f"/internal/authors/{account['id']}", json={"profile": snapshot})
        assert response.status_code == 200, response.json

    def _user(self, account: dict) -> dict:
        """auth_service's User reply, with the id and token version its token would carry and the
        profile version its header would."""
        return {
            **{k: account[k] for k in ("email", "username", "bio", "image")},
            "id": account["id"],
            "version": self.versions[account["id"]],  # the profile's (X-Titanium-Profile-Version)
            "token_version": account["token_version"],  # what its token would carry
            "verified": account.get("verified", False),  # X-Titanium-Email-Verified
        }

    def register(self, username, email, password, idempotency_key=None):
        self.sent.append(("register", {"username": username, "email": email, "password": password}))
        self._raise_if_told()
        if idempotency_key and idempotency_key in self.keys:  # auth_service's replay
            return self._user(self.accounts[self.keys[idempotency_key]])
        if email in self.accounts:
            raise auth_client.AuthRejected(409, {"email": ["has already been taken"]})
        profile = self.user_service.create(username)
        self.accounts[email] = {
            "id": profile.id, "username": username, "email": email, "password": password,
            "bio": None, "image": None, "token_version": 1,
        }  # fmt: skip
        self._deliver(self.accounts[email])
        if idempotency_key:
            self.keys[idempotency_key] = email
        if self.times_out_after_write:  # done, but the reply never arrives
            self.times_out_after_write = False
            raise UpstreamUnavailable("auth_service", "ReadTimeout")
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

    def update_account(self, account_id, changes, current_password=None):
        self.sent.append(("update", changes))
        self._raise_if_told()
        account = self._by_id(account_id)
        # auth_service's check (ADR 0019): the current password for an email or password change
        if (
            changes.get("email", account["email"]) != account["email"] or "password" in changes
        ) and (current_password != account["password"]):
            message = "can't be blank" if not current_password else "is wrong"
            raise auth_client.AuthRejected(422, {"current password": [message]})
        account.update(changes)
        if "password" in changes:  # auth_service ends every session and token of the account
            account["token_version"] += 1
        self.user_service.profiles[account_id].update(
            {k: account[k] for k in ("username", "bio", "image")}
        )
        self._deliver(account)
        return self._user(account)

    def reset(self, email, password):
        """What a reset link does in auth_service: a new password and a new token version."""
        account = self.accounts[email]
        account["password"] = password
        account["token_version"] += 1
        return account["id"], account["token_version"]

    def _by_id(self, account_id):
        return next(a for a in self.accounts.values() if a["id"] == account_id)

    def _raise_if_told(self):
        if self.rejection:
            raise self.rejection


@dataclass(frozen=True)
class Query:
    """A statement the code sent, with its parameters and the columns of its result."""

    statement: str
    parameters: object
    columns: tuple[str, ...]


@contextmanager
def queries_sent(engine) -> Iterator[list[Query]]:
    """Every statement `engine` runs inside the block, as sent to the database."""
    sent: list[Query] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        columns = tuple(column[0] for column in cursor.description or ())
        sent.append(Query(statement, parameters, columns))

    sa.event.listen(engine, "after_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "after_cursor_execute", record)
