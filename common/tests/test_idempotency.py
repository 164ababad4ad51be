"""Idempotency-Key (titanium_common.idempotency) on a small service that creates notes: the
reply is kept with the write, replayed for the same request, refused for another."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import jsonify, request
from sqlalchemy.orm import Mapped, mapped_column

from titanium_common.api import register_json_errors
from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.database import database_extensions
from titanium_common.idempotency import (
    REPLAYED_HEADER,
    IdempotencyKeys,
    IdempotencyRecord,
    utc_now,
)
from titanium_common.service import create_service_app
from titanium_common.settings import database_settings, redis_settings, server_settings


@pytest.fixture
def notes(service_package, tmp_path):
    """A service whose POST /notes creates a note, its key kept in the same transaction."""
    db, migrate = database_extensions(service_package)

    class Note(db.Model):
        __tablename__ = "notes"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(sa.Text)

    class Key(IdempotencyRecord, db.Model):
        __tablename__ = "idempotency_keys"

    app = create_service_app(
        "demo_service",
        [*server_settings(8098), *database_settings(), *redis_settings("demo_service")],
        {"TITANIUM_POSTGRES_URL": "", "TITANIUM_VAR_DIR": str(tmp_path), "REDIS_URL": ""},
        db=db,
        migrate=migrate,
        max_body_bytes=4096,
    )
    register_json_errors(app)
    keys = IdempotencyKeys(db, Key)

    @app.post("/notes")
    def create():
        claim = keys.claim(request.headers.get("X-Caller", ""))
        note = Note(body=request.get_json()["body"])
        db.session.add(note)
        db.session.flush()
        reply = jsonify(id=note.id, body=note.body)
        reply.status_code = 201
        reply.headers["Location"] = f"/notes/{note.id}"
        if claim is not None:
            claim.record(reply)
        db.session.commit()
        return reply

    with app.app_context():
        db.create_all()

    def count(model) -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    def age_keys(hours: float) -> None:
        with app.app_context():
            db.session.execute(sa.update(Key).values(created_at=utc_now() - timedelta(hours=hours)))
            db.session.commit()

    app.count, app.age_keys, app.Note, app.Key = count, age_keys, Note, Key
    return app


def post(client, key, body="hello", caller="ada"):
    headers = {"X-Caller": caller} | ({"Idempotency-Key": key} if key is not None else {})
    return client.post("/notes", json={"body": body}, headers=headers)


def test_the_same_request_again_gets_the_stored_reply_and_writes_nothing(notes):
    client = notes.test_client()

    first, again = post(client, "k-1"), post(client, "k-1")

    assert (again.status_code, again.json, again.headers["Location"]) == (
        first.status_code,
        first.json,
        first.headers["Location"],
    )
    assert again.headers[REPLAYED_HEADER] == "true" and REPLAYED_HEADER not in first.headers
    assert again.headers[UNCHANGED_HEADER] == "1"
    assert notes.count(notes.Note) == 1


def test_json_bodies_are_compared_as_data(notes):
    client = notes.test_client()
    first = client.post(
        "/notes",
        data='{"body": "x"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k-2"},
    )

    again = client.post(
        "/notes",
        data='{ "body":"x" }',
        content_type="application/json",
        headers={"Idempotency-Key": "k-2"},
    )

    assert again.json == first.json and again.headers[REPLAYED_HEADER] == "true"


def test_the_same_key_for_another_request_is_a_realworld_422(notes):
    client = notes.test_client()
    post(client, "k-3", body="one")

    other = post(client, "k-3", body="two")

    assert other.status_code == 422
    assert other.json == {
        "errors": {"Idempotency-Key": ["was already used for a different request"]}
    }
    assert notes.count(notes.Note) == 1


def test_keys_are_per_caller_and_optional(notes):
    client = notes.test_client()

    replies = [post(client, "k-4", caller="ada"), post(client, "k-4", caller="bob")]
    replies += [post(client, None), post(client, None)]

    assert [reply.status_code for reply in replies] == [201] * 4
    assert all(REPLAYED_HEADER not in reply.headers for reply in replies)
    assert notes.count(notes.Note) == 4


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\tin"])
def test_a_malformed_key_is_a_422(notes, key):
    response = post(notes.test_client(), key)

    assert response.status_code == 422
    assert response.json == {"errors": {"Idempotency-Key": ["is invalid"]}}


def test_after_24_hours_a_key_is_free_again_and_writes_purge_expired_keys(notes):
    client = notes.test_client()
    post(client, "old-1")
    post(client, "old-2")
    notes.age_keys(hours=24.5)

    again = post(client, "old-1", body="a new note")

    assert again.status_code == 201 and REPLAYED_HEADER not in again.headers
    assert notes.count(notes.Note) == 3
    assert notes.count(notes.Key) == 1  # old-2 purged by the write, old-1 replaced
