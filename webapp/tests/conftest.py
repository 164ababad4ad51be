"""Fixtures: every test runs on SQLite and, when configured, on PostgreSQL + Redis
(TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL), against a fake user_service on a real socket."""

import flask_migrate
import pytest

from titanium_common.identity import USER_ID_HEADER
from titanium_common.testing import (
    redis_key_prefix,
)
from webapp import create_app
from webapp.extensions import db

from .fake_user_service import FakeUserService, serve

TEST_SECRET_KEY = "test-secret-key-not-for-production"


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
def make_app(backend, database_url, fake_user_service_session):
    """Builds an app on the session's database; tests may vary settings."""
    apps = []

    def make(**settings):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": TEST_SECRET_KEY,
                "DATABASE_URL": database_url,
                "REDIS_URL": backend.redis_url,
                "REDIS_KEY_PREFIX": redis_key_prefix("webapp"),
                "USER_SERVICE_URL": fake_user_service_session.url,
                **settings,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:  # release connections so the throwaway database can be dropped
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(make_app):
    app = make_app()
    with app.app_context():
        flask_migrate.upgrade()  # the schema comes from the migrations, so they are tested
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


def as_user(profile) -> dict[str, str]:
    """The identity header api_gateway adds for a signed-in caller."""
    return {USER_ID_HEADER: profile.id}
