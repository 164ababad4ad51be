"""Account logic below the views: password rehashing and uniqueness races."""

import pytest
import sqlalchemy as sa

from auth_service.extensions import db
from auth_service.models import Account
from auth_service.users import service
from tests.conftest import CHEAP_ARGON2, new_user
from titanium_common.api import ApiError


def stored_hash(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Account.password_hash).where(Account.email == email))


def test_login_rehashes_the_password_when_the_argon2_parameters_changed(make_app, users):
    user = users.register()
    stronger = make_app(ARGON2_TIME_COST=CHEAP_ARGON2["ARGON2_TIME_COST"] + 1)
    client = stronger.test_client()
    body = {"user": {"email": user["email"], "password": "correct horse"}}

    assert client.post("/api/users/login", json=body).status_code == 200

    rehashed = stored_hash(stronger, user["email"])
    assert rehashed.startswith("$argon2id$") and ",t=2," in rehashed
    assert client.post("/api/users/login", json=body).status_code == 200
    assert stored_hash(stronger, user["email"]) == rehashed  # already current: left alone


def test_a_registration_that_loses_a_race_for_the_username_gets_409(app_context, monkeypatch):
    first = new_user()
    service.register(first)
    real_check = service._raise_if_taken
    checks = []

    def check_too_early(**kwargs):
        # The first (pre-insert) check runs before the competitor commits, so it passes.
        checks.append(kwargs)
        if len(checks) > 1:
            real_check(**kwargs)

    monkeypatch.setattr(service, "_raise_if_taken", check_too_early)
    with pytest.raises(ApiError) as raised:
        service.register(new_user(username=first["username"].upper()))
    assert (raised.value.status, raised.value.errors) == (
        409,
        {"username": ["has already been taken"]},
    )
