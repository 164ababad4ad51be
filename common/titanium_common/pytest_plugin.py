"""Fixtures every service's suite shares: each test runs on every configured backend
(titanium_common.testing), on a throwaway database of its own.

A suite loads them with `pytest_plugins = ["titanium_common.pytest_plugin"]` in its conftest and
names its database with a `service_name` fixture.
"""

import pytest

from titanium_common.testing import assert_reachable, configured_backends, throwaway_database


@pytest.fixture(scope="session", params=configured_backends(), ids=lambda backend: backend.name)
def backend(request):
    assert_reachable(request.param)
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, service_name, tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp(backend.name)
    with throwaway_database(backend, service_name, str(tmp_dir)) as url:
        yield url
