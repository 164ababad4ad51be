"""Fixtures: every test runs on SQLite + in-process cache and, when configured, on
PostgreSQL + Redis (TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL)."""

import uuid

import pytest
from flask import url_for as flask_url_for

from titanium_common.identity import USER_ID_HEADER
from user_service import create_app

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


pytest_plugins = ["titanium_common.pytest_plugin"]


@pytest.fixture(scope="session")
def service_name():
    return "user_service"


@pytest.fixture(scope="session")
def app_factory():
    return create_app


@pytest.fixture(scope="session")
def app_settings():
    return {}


@pytest.fixture
def url_for(app):
    def build(endpoint, **values):
        with app.test_request_context():
            return flask_url_for(endpoint, **values)

    return build


def as_viewer(account_id) -> dict[str, str]:
    return {USER_ID_HEADER: str(account_id)}


def unique_name(stem: str = "user") -> str:
    return f"{stem}-{uuid.uuid4().hex[:10]}"


class ProfileWriter:
    """Delivers profile snapshots the way auth_service does: through the internal endpoint."""

    def __init__(self, client, url_for):
        self.client = client
        self.url_for = url_for

    def put(self, account_id, username, version, bio=None, image=None):
        response = self.client.put(
            self.url_for("internal.put_profile", account_id=str(account_id)),
            json={
                "profile": {"username": username, "bio": bio, "image": image, "version": version}
            },
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["profile"]

    def create(self, username=None, bio=None, image=None):
        return self.put(uuid.uuid4(), username or unique_name(), 1, bio=bio, image=image)


@pytest.fixture
def profiles(client, url_for):
    return ProfileWriter(client, url_for)
