"""People the article tests write and read as (profiles in the fake user_service)."""

import pytest


@pytest.fixture
def author(user_service):
    return user_service.create()


@pytest.fixture
def reader(user_service):
    return user_service.create()
