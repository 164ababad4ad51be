"""POST /api/users with an Idempotency-Key: a retried registration creates one account."""

import threading
import uuid
from datetime import timedelta

import sqlalchemy as sa

from auth_service.extensions import db
from auth_service.models import Account, IdempotencyKey, OutboxEvent
from tests.conftest import account_id, new_user
from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.idempotency import utc_now
from titanium_common.identity import PROFILE_VERSION_HEADER


def register(client, user: dict, key: str):
    return client.post("/api/users", json={"user": user}, headers={"Idempotency-Key": key})


def accounts_with(email: str) -> int:
    query = sa.select(sa.func.count()).select_from(Account).where(Account.email == email)
    return db.session.scalar(query)


def test_a_retry_with_the_same_key_gets_the_first_reply_and_creates_nothing(client, app_context):
    user, key = new_user(), str(uuid.uuid4())

    first = register(client, user, key)
    again = register(client, user, key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    same_fields = {k: v for k, v in first.json["user"].items() if k != "token"}
    assert {k: v for k, v in again.json["user"].items() if k != "token"} == same_fields
    # The replay signs a fresh token for the same account: no token rests in the database.
    assert account_id(again.json["user"]["token"]) == account_id(first.json["user"]["token"])
    assert first.json["user"]["token"] not in db.session.scalar(
        sa.select(IdempotencyKey.body).where(IdempotencyKey.key == key)
    )
    assert accounts_with(user["email"]) == 1
    assert again.headers[UNCHANGED_HEADER] == "1"
    assert again.headers[PROFILE_VERSION_HEADER] == "1"
    events = sa.select(sa.func.count()).where(
        OutboxEvent.account_id == account_id(first.json["user"]["token"])
    )
    assert db.session.scalar(events) == 2  # one per destination, once


def test_the_same_key_for_another_body_is_422(client, app_context):
    key = str(uuid.uuid4())
    register(client, new_user(), key)

    other = new_user()
    response = register(client, other, key)

    assert response.status_code == 422
    assert response.json == {
        "errors": {"Idempotency-Key": ["was already used for a different request"]}
    }
    assert accounts_with(other["email"]) == 0


def test_a_malformed_key_is_422(client):
    for key in ("", " spaced ", "x" * 256, "ünïcode"):
        response = client.post(
            "/api/users",
            json={"user": new_user()},
            headers={"Idempotency-Key": key.encode().decode("latin-1")},
        )
        assert response.status_code == 422, key
        assert response.json == {"errors": {"Idempotency-Key": ["is invalid"]}}


def test_without_a_key_a_repeat_is_still_the_contracts_409(client):
    user = new_user()
    client.post("/api/users", json={"user": user})

    response = client.post("/api/users", json={"user": user})

    assert response.status_code == 409


def test_twins_sent_at_once_create_one_account_and_both_hear_201(app, app_context):
    user, key = new_user(), str(uuid.uuid4())
    replies = []
    start = threading.Barrier(2)

    def send():
        client = app.test_client()
        start.wait()
        replies.append(register(client, user, key))

    twins = [threading.Thread(target=send) for _ in range(2)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join()

    assert sorted(reply.status_code for reply in replies) == [201, 201]
    assert len({account_id(reply.json["user"]["token"]) for reply in replies}) == 1
    assert accounts_with(user["email"]) == 1


def test_an_expired_key_is_free_again_and_old_keys_are_purged_by_writes(client, app_context):
    key, stale = str(uuid.uuid4()), str(uuid.uuid4())
    register(client, new_user(), key)
    register(client, new_user(), stale)
    long_ago = utc_now() - timedelta(hours=24, minutes=1)
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.key.in_([key, stale]))
        .values(created_at=long_ago)
    )
    db.session.commit()

    other = new_user()
    response = register(client, other, key)

    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert accounts_with(other["email"]) == 1
    kept = set(db.session.scalars(sa.select(IdempotencyKey.key)))
    assert key in kept and stale not in kept
