"""System tests: the real services as separate processes, talked to through the gateway.

The stack is built by scripts.stack, exactly as `make run` builds it, once per configured
backend: SQLite with in-process caches always, PostgreSQL + Redis when TITANIUM_POSTGRES_URL /
TITANIUM_REDIS_URL are set.
"""

import pytest

from tests.support import Api, start_stack, stop_stack
from titanium_common.testing import configured_backends


@pytest.fixture(scope="session", params=configured_backends(), ids=lambda backend: backend.name)
def stack(request, tmp_path_factory):
    running = start_stack(request.param, tmp_path_factory.mktemp(f"stack-{request.param.name}"))
    yield running
    stop_stack(running)


@pytest.fixture
def api(stack):
    return Api(stack.url)
