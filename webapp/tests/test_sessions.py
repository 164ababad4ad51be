"""Browser sessions the server can end: logout and a password change sign a replayed cookie
out; a change made elsewhere arrives through auth_service's revocation feed."""

import uuid

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import WebSession

SIGNED_OUT = b'href="/login">Sign in</a>'
PASSWORD = "long-password"


@pytest.fixture
def person(auth_service):
    name = f"ada{uuid.uuid4().hex[:8]}"
    return auth_service.register(name, f"{name}@example.test", PASSWORD)


def sign_in(test_client, person) -> None:
    response = test_client.post("/login", data={"email": person["email"], "password": PASSWORD})
    assert response.status_code == 303


def signed_in(test_client, person) -> bool:
    html = test_client.get("/").data
    assert (SIGNED_OUT in html) != (f'href="/profile/{person["username"]}"'.encode() in html)
    return SIGNED_OUT not in html


def session_cookie(test_client) -> str:
    return test_client.get_cookie("session").value


def change_password(test_client, person):
    form = {
        "image": "",
        "username": person["username"],
        "bio": "",
        "email": person["email"],
        "password": "a whole new one",
        "current_password": PASSWORD,
    }
    response = test_client.post("/settings", data=form)
    assert response.status_code == 303, response.text


def test_a_cookie_replayed_after_logout_is_signed_out(client, person):
    sign_in(client, person)
    cookie = session_cookie(client)

    client.post("/logout")
    client.set_cookie("session", cookie)  # someone kept a copy
    replayed = client.get("/")

    assert SIGNED_OUT in replayed.data
    assert "session=;" in replayed.headers.get("Set-Cookie", "")  # and it is cleared


def test_a_password_change_signs_every_other_browser_out_at_once(app, client, person):
    other_browser = app.test_client()
    sign_in(client, person)
    sign_in(other_browser, person)
    stolen = session_cookie(other_browser)

    change_password(client, person)

    assert signed_in(client, person)
    assert not signed_in(other_browser, person)
    other_browser.set_cookie("session", stolen)
    assert not signed_in(other_browser, person)


def test_a_session_already_ended_elsewhere_cannot_outlive_it_by_changing_the_password(
    app, client, person, auth_service
):
    sign_in(client, person)
    # The password was changed through the API meanwhile.
    auth_service.accounts[person["email"]]["token_version"] += 1

    change_password(client, person)

    assert not signed_in(client, person)


def test_a_change_made_elsewhere_signs_sessions_out_within_one_poll(
    make_app, person, revocation_feed
):
    browser = make_app(REVOCATION_POLL_SECONDS=0, WTF_CSRF_ENABLED=False).test_client()
    sign_in(browser, person)
    assert signed_in(browser, person)

    revocation_feed.revoke(person["id"], 2)  # e.g. a password reset, or the API

    assert not signed_in(browser, person)


def test_the_feed_is_read_once_per_poll_not_once_per_request(make_app, person, revocation_feed):
    browser = make_app(REVOCATION_POLL_SECONDS=60, WTF_CSRF_ENABLED=False).test_client()
    sign_in(browser, person)
    revocation_feed.queries.clear()

    for _ in range(5):
        assert signed_in(browser, person)

    assert len(revocation_feed.queries) == 1


def test_with_the_feed_down_sessions_go_on_and_logout_still_ends_them(
    make_app, person, revocation_feed
):
    browser = make_app(REVOCATION_POLL_SECONDS=0, WTF_CSRF_ENABLED=False).test_client()
    revocation_feed.failure_status = 503
    sign_in(browser, person)
    cookie = session_cookie(browser)

    assert signed_in(browser, person)
    browser.post("/logout")
    browser.set_cookie("session", cookie)
    assert not signed_in(browser, person)


def test_a_session_ends_at_its_maximum_age(make_app, person, app):
    browser = make_app(SESSION_MAX_AGE_SECONDS=0, WTF_CSRF_ENABLED=False).test_client()

    sign_in(browser, person)

    assert not signed_in(browser, person)
    with app.app_context():
        account = uuid.UUID(person["id"])
        rows = db.session.scalar(sa.select(sa.func.count()).where(WebSession.account_id == account))
    assert rows == 1  # swept at the next sign-in


def test_a_cookie_from_before_server_side_sessions_is_signed_out(client, person):
    with client.session_transaction() as session:
        session["_user_id"] = person["id"]
        session["_fresh"] = True

    assert not signed_in(client, person)


def test_the_table_holds_a_hash_of_the_session_id_not_the_id(app, client, person):
    sign_in(client, person)
    with client.session_transaction() as session:
        session_id = session["sid"]

    with app.app_context():
        stored = db.session.scalars(sa.select(WebSession.id_hash)).all()
    assert session_id not in stored
    assert len(session_id) >= 40  # 32 random bytes
