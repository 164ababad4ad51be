"""Fixtures every Flask service's suite shares: each test runs on every configured backend
(titanium_common.testing), on a throwaway database of its own, with apps built the same way.

A suite loads them with `pytest_plugins = ["titanium_common.pytest_plugin"]` in its conftest
and provides three session fixtures: `service_name`, `app_factory` (its create_app) and
`app_settings` (what its tests need on top of the backend: secrets, fake upstream URLs, ...).
"""

import flask_migrate
import pytest

from titanium_common.testing import (
    assert_reachable,
    configured_backends,
    redis_key_prefix,
    throwaway_database,
)


@pytest.fixture(scope="session", params=configured_backends(), ids=lambda backend: backend.name)
def backend(request):
    assert_reachable(request.param)
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, service_name, tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp(backend.name)
    with throwaway_database(backend, service_name, str(tmp_dir)) as url:
        yield url


@pytest.fixture(scope="session")
def make_app(app_factory, app_settings, backend, database_url, service_name):
    """Builds an app on the session's database and Redis; keyword arguments change settings."""
    apps = []
    base = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": backend.redis_url,
        "REDIS_KEY_PREFIX": redis_key_prefix(service_name),
        **app_settings,
    }

    def make(**overrides):
        apps.append(app_factory({**base, **overrides}))
        return apps[-1]

    yield make
    for app in apps:  # release connections so the throwaway database can be dropped
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()


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
def cli_runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
