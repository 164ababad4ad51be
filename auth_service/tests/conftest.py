"""Fixtures: one app per backend (SQLite; PostgreSQL + Redis when configured), schema built by
the migrations, fakes of the outbox's destinations (user_service, webapp) over real HTTP, and
helpers to register and sign in."""

import contextlib
import itertools
import socket
import threading
import uuid

import jwt
import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from auth_service import create_app
from auth_service.tokens.keys import key_ring
from titanium_common.identity import CLIENT_ADDRESS_HEADER, USER_ID_HEADER

# Cheapest argon2id parameters the library accepts: hashing cost is not under test.
CHEAP_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}
UNREACHABLE_URL = "http://127.0.0.1:1"  # connection refused at once
_client_numbers = itertools.count(1)


pytest_plugins = ["titanium_common.pytest_plugin"]


@pytest.fixture(scope="session")
def service_name():
    return "auth_service"


@pytest.fixture(scope="session")
def app_factory():
    return create_app


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory):
    return {
        "SIGNING_KEYS_DIR": str(tmp_path_factory.mktemp("keys")),
        "USER_SERVICE_URL": UNREACHABLE_URL,
        "WEBAPP_URL": UNREACHABLE_URL,
        "RELAY_METRICS_PORT": 0,
        "MAIL_DIR": str(tmp_path_factory.mktemp("mail")),
        "PUBLIC_URL": "https://blog.example.test",
        **CHEAP_ARGON2,
    }


@pytest.fixture(scope="session")
def app(app):
    """The shared app (schema migrated), with a signing key to sign with."""
    with app.app_context():
        key_ring().ensure()
    return app


def client_address() -> str:
    """An address no other test client has."""
    return f"2001:db8::{next(_client_numbers):x}"


def from_address(address: str) -> dict:
    """What the gateway adds for a caller at `address`."""
    return {CLIENT_ADDRESS_HEADER: address}


@pytest.fixture
def client(app):
    """A test client with its own client address (as the gateway passes it), so per-client
    throttling never leaks between tests."""
    client = app.test_client()
    client.environ_base["HTTP_X_TITANIUM_CLIENT_ADDRESS"] = client_address()
    return client


def new_user(**fields) -> dict:
    suffix = uuid.uuid4().hex[:10]
    return {
        "username": f"user_{suffix}",
        "email": f"user_{suffix}@example.test",
        "password": "correct horse",
        **fields,
    }


def account_id(token: str) -> str:
    """The subject of a token this suite received (signature checks live in tokens/ tests)."""
    return jwt.decode(token, options={"verify_signature": False})["sub"]


class UserActions:
    def __init__(self, client):
        self.client = client

    def register(self, **fields) -> dict:
        """Register a new user; returns the User plus its `id` and the identity `headers`."""
        response = self.client.post("/api/users", json={"user": new_user(**fields)})
        assert response.status_code == 201, response.json
        user = response.json["user"]
        return {**user, "id": account_id(user["token"]), "headers": self.headers(user["token"])}

    @staticmethod
    def headers(token: str) -> dict:
        """What the gateway would pass upstream after verifying the token."""
        return {USER_ID_HEADER: account_id(token)}

    def login(self, email: str, password: str):
        return self.client.post(
            "/api/users/login", json={"user": {"email": email, "password": password}}
        )

    def update(self, user: dict, **fields):
        return self.client.put("/api/user", json={"user": fields}, headers=user["headers"])


@pytest.fixture
def users(client):
    return UserActions(client)


class FakeReceiver:
    """A destination's side of the outbox (`PUT <path>/<id>`), idempotent by version."""

    def __init__(self, path: str):
        self.profiles: dict[str, dict] = {}
        self.received: list[tuple[str, dict]] = []
        self.answer_status = 200
        app = Flask("fake_receiver")
        app.add_url_rule(f"{path}/<account_id>", view_func=self.put_profile, methods=["PUT"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def put_profile(self, account_id):
        if self.answer_status != 200:
            return {"errors": {"service": ["unavailable"]}}, self.answer_status
        profile = request.get_json()["profile"]
        self.received.append((account_id, profile))
        stored = self.profiles.get(account_id)
        if stored is None or profile["version"] > stored["version"]:
            self.profiles[account_id] = {"id": account_id, **profile}
        return {"profile": self.profiles[account_id]}

    def received_for(self, account_id: str) -> list[dict]:
        return [profile for key, profile in self.received if key == account_id]


@contextlib.contextmanager
def serving(fake: FakeReceiver):
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def fake_user_service_server():
    with serving(FakeReceiver("/internal/profiles")) as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_webapp_server():
    with serving(FakeReceiver("/internal/authors")) as fake:
        yield fake


def _delivering_to(fake: FakeReceiver, app, monkeypatch, setting: str) -> FakeReceiver:
    fake.received.clear()
    fake.answer_status = 200
    monkeypatch.setitem(app.config, setting, fake.url)
    return fake


@pytest.fixture
def fake_user_service(fake_user_service_server, app, monkeypatch):
    """A running fake user_service that the app delivers to during this test."""
    return _delivering_to(fake_user_service_server, app, monkeypatch, "USER_SERVICE_URL")


@pytest.fixture
def fake_webapp(fake_webapp_server, app, monkeypatch):
    """A running fake webapp that the app delivers to during this test."""
    return _delivering_to(fake_webapp_server, app, monkeypatch, "WEBAPP_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def mail_sent_by_the_end_of_the_test(app):
    """Mail goes out in background threads (auth_service.mail): each test's threads finish
    within it, so none writes or sends under the next test's settings."""
    yield
    for thread in list(app.extensions.get("mail_threads", ())):
        thread.join(10)
