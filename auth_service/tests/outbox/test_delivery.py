"""Profile changes reach every destination (user_service, webapp): at once when it is up, later
through the relay when not, each on its own."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from auth_service.extensions import db
from auth_service.models import OutboxEvent, utc_now
from auth_service.outbox import delivery
from auth_service.outbox.delivery import attempt, backoff, deliver_due
from auth_service.users import service


def events_for(account_id: str, destination: str = "user_service") -> list[OutboxEvent]:
    query = (
        sa.select(OutboxEvent)
        .where(OutboxEvent.account_id == account_id, OutboxEvent.destination == destination)
        .order_by("id")
    )
    return list(db.session.scalars(query))


def test_registering_while_user_service_is_down_succeeds_and_leaves_the_event_pending(
    users, app_context
):
    user = users.register()  # USER_SERVICE_URL refuses connections

    [event] = events_for(user["id"])
    assert event.payload == {
        "profile": {"username": user["username"], "bio": None, "image": None, "version": 1}
    }
    assert event.delivered_at is None
    assert event.attempts == 1
    assert "Connection" in event.last_error
    assert event.next_attempt_at > event.created_at


def test_the_relay_later_delivers_what_is_pending(users, app_context, fake_user_service):
    fake_user_service.answer_status = 503  # user_service is still starting
    user = users.register()
    assert fake_user_service.profiles.get(user["id"]) is None

    fake_user_service.answer_status = 200
    deliver_due(now=utc_now() + timedelta(seconds=5))

    assert fake_user_service.profiles[user["id"]]["username"] == user["username"]
    db.session.expire_all()
    assert all(event.delivered_at is not None for event in events_for(user["id"]))


def test_with_user_service_up_the_request_delivers_at_once(users, app_context, fake_user_service):
    user = users.register()
    assert fake_user_service.profiles[user["id"]] == {
        "id": user["id"],
        "username": user["username"],
        "bio": None,
        "image": None,
        "version": 1,
    }
    [event] = events_for(user["id"])
    assert event.delivered_at is not None and event.attempts == 1


def test_a_rename_sends_the_new_username_with_the_next_version(users, fake_user_service):
    user = users.register()
    users.update(user, username=f"{user['username']}_2", bio="hello")
    assert fake_user_service.profiles[user["id"]]["username"] == f"{user['username']}_2"
    assert fake_user_service.profiles[user["id"]]["version"] == 2
    assert fake_user_service.profiles[user["id"]]["bio"] == "hello"


def test_only_profile_changes_make_events(users, app_context):
    user = users.register()
    users.update(user, email=f"new-{user['email']}", password="another password")
    users.update(user, bio=None, image="")  # already null: nothing changes
    users.update(user, image="https://img.test/me.png")
    versions = [event.payload["profile"]["version"] for event in events_for(user["id"])]
    assert versions == [1, 2]


def test_delivering_an_event_twice_is_harmless_and_marks_it_once(
    users, app_context, fake_user_service
):
    user = users.register()
    [event] = events_for(user["id"])
    delivered_at = event.delivered_at

    assert attempt(event, delivery.RELAY_TIMEOUT, utc_now()) is False  # sent, not re-marked
    db.session.commit()
    deliver_due()  # the relay skips it altogether

    db.session.expire_all()
    assert (events_for(user["id"])[0].delivered_at, events_for(user["id"])[0].attempts) == (
        delivered_at,
        1,
    )
    assert len(fake_user_service.received_for(user["id"])) == 2
    assert fake_user_service.profiles[user["id"]]["version"] == 1


def test_the_relay_never_resends_a_delivered_event(users, app_context, fake_user_service):
    fake_user_service.answer_status = 503
    user = users.register()
    fake_user_service.answer_status = 200
    later = utc_now() + timedelta(seconds=5)
    deliver_due(now=later)
    deliver_due(now=later)
    assert len(fake_user_service.received_for(user["id"])) == 1


def test_pending_events_are_delivered_in_id_order(users, app_context, fake_user_service):
    fake_user_service.answer_status = 503
    user = users.register()
    for bio in ("one", "two", "three"):
        users.update(user, bio=bio)
    fake_user_service.answer_status = 200
    deliver_due(now=utc_now() + timedelta(minutes=10))
    versions = [profile["version"] for profile in fake_user_service.received_for(user["id"])]
    assert versions == [1, 2, 3, 4]
    assert fake_user_service.profiles[user["id"]]["bio"] == "three"


def test_failures_back_off_exponentially(users, app_context, fake_user_service):
    fake_user_service.answer_status = 422
    user = users.register()
    [event] = events_for(user["id"])
    assert event.attempts == 1 and event.last_error.startswith("HTTP 422")

    now = event.next_attempt_at
    deliver_due(now=now)
    db.session.expire_all()
    [event] = events_for(user["id"])
    assert event.attempts == 2
    assert event.next_attempt_at == now + timedelta(seconds=2)

    deliver_due(now=now + timedelta(seconds=1))  # not due yet: untouched
    db.session.expire_all()
    assert events_for(user["id"])[0].attempts == 2


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 1), (2, 2), (3, 4), (9, 256), (10, 300), (50, 300)]
)
def test_backoff_doubles_up_to_five_minutes(attempts, seconds):
    assert backoff(attempts) == timedelta(seconds=seconds)


def test_an_error_in_the_immediate_attempt_never_changes_the_response(users, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(delivery, "attempt", broken)
    user = users.register()
    assert users.update(user, bio="still saved").status_code == 200
    assert "immediate outbox delivery failed" in caplog.text


def test_an_account_and_its_event_commit_together(app_context, monkeypatch):
    def refuse_event(account):
        raise RuntimeError("crash between the two writes")

    monkeypatch.setattr(service, "record_profile_change", refuse_event)
    data = {"username": "atomic_user", "email": "atomic@example.test", "password": "long enough"}
    with pytest.raises(RuntimeError):
        service.register(data)
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.text("SELECT count(*) FROM accounts WHERE email = 'atomic@example.test'")
        )
        == 0
    )


def test_an_event_locked_by_another_relay_is_skipped(app, users, backend, fake_user_service):
    if not backend.postgres_server_url:
        pytest.skip("row locks need PostgreSQL (TITANIUM_POSTGRES_URL)")
    fake_user_service.answer_status = 503
    user = users.register()
    fake_user_service.answer_status = 200
    with app.app_context():
        [event] = events_for(user["id"])
        other_relay = db.engine.connect()
        try:
            other_relay.execute(
                sa.text("SELECT id FROM outbox_events WHERE id = :id FOR UPDATE"), {"id": event.id}
            )
            deliver_due(now=utc_now() + timedelta(seconds=5))
            assert fake_user_service.received_for(user["id"]) == []
        finally:
            other_relay.rollback()
            other_relay.close()
        deliver_due(now=utc_now() + timedelta(seconds=5))
        assert len(fake_user_service.received_for(user["id"])) == 1
        db.session.remove()


def test_a_request_answers_only_after_a_relay_delivering_its_change_lets_go(
    app, users, backend, fake_user_service, monkeypatch
):
    """The gateway's edge cache drops a profile's pages when the request answers (ADR 0023): if
    a relay was delivering the change at that moment, the request waits for it."""
    if not backend.postgres_server_url:
        pytest.skip("row locks need PostgreSQL (TITANIUM_POSTGRES_URL)")
    user = users.register()
    fake_user_service.answer_status = 503
    assert users.update(user, bio="waiting for the relay").status_code == 200
    fake_user_service.answer_status = 200
    order = []
    with app.app_context():
        [event] = [e for e in events_for(user["id"]) if e.delivered_at is None]
        relay = db.engine.connect()
        relay.execute(
            sa.text("SELECT id FROM outbox_events WHERE id = :id FOR UPDATE"), {"id": event.id}
        )

        def relay_lets_go(_seconds):
            if "relay let go" not in order:
                relay.rollback()
                relay.close()
                order.append("relay let go")

        clock = SimpleNamespace(monotonic=time.monotonic, sleep=relay_lets_go)
        monkeypatch.setattr(delivery, "time", clock, raising=False)
        try:
            delivery.deliver_after_commit([event])
            order.append("request answered")
        finally:
            relay_lets_go(0)  # if the request never waited
            db.session.remove()

    assert order == ["relay let go", "request answered"]


def test_every_profile_change_is_queued_once_per_destination(users, app_context):
    user = users.register()
    users.update(user, bio="two")

    query = sa.select(OutboxEvent.destination, OutboxEvent.payload).where(
        OutboxEvent.account_id == user["id"]
    )
    queued = sorted(
        (destination, payload["profile"]["version"])
        for destination, payload in db.session.execute(query)
    )
    assert queued == [("user_service", 1), ("user_service", 2), ("webapp", 1), ("webapp", 2)]


def test_a_destination_that_is_down_delays_no_other(
    users, app_context, fake_user_service, fake_webapp
):
    fake_webapp.answer_status = 503
    user = users.register()

    assert fake_user_service.profiles[user["id"]]["version"] == 1  # delivered at once
    [pending] = events_for(user["id"], "webapp")
    assert pending.delivered_at is None and pending.last_error.startswith("HTTP 503")

    fake_webapp.answer_status = 200
    outcomes = deliver_due(now=utc_now() + timedelta(seconds=5))

    assert ("webapp", True) in outcomes
    assert fake_webapp.profiles[user["id"]] == {
        "id": user["id"],
        "username": user["username"],
        "bio": None,
        "image": None,
        "version": 1,
    }
    db.session.expire_all()
    assert events_for(user["id"], "webapp")[0].delivered_at is not None
    assert len(fake_user_service.received_for(user["id"])) == 1  # never sent twice


def test_webapp_gets_every_change_in_version_order(users, app_context, fake_webapp):
    fake_webapp.answer_status = 503
    user = users.register()
    for bio in ("one", "two"):
        users.update(user, bio=bio)
    fake_webapp.answer_status = 200

    deliver_due(now=utc_now() + timedelta(minutes=10))

    assert [p["version"] for p in fake_webapp.received_for(user["id"])] == [1, 2, 3]
    assert fake_webapp.profiles[user["id"]]["bio"] == "two"
