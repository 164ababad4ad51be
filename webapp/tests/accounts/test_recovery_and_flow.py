"""Issue 11, items 5 and 6 on webapp's side: forgotten passwords, the current password in
settings, email verification, messages after account actions, returning to where the person
came from, and a slow auth_service (against a fake of its calls, and a real silent socket)."""

import socket
import uuid

import pytest
import sqlalchemy as sa

from webapp.accounts import client as auth_client
from webapp.extensions import db
from webapp.models import WebSession

from ..support import unique

PASSWORD = "long-password"
SIGNED_OUT = b'href="/login">Sign in</a>'


@pytest.fixture
def person(auth_service):
    name = f"rita{uuid.uuid4().hex[:8]}"
    return auth_service.register(name, f"{name}@example.test", PASSWORD)


def sign_in(test_client, person, password=PASSWORD):
    return test_client.post("/login", data={"email": person["email"], "password": password})


def settings_form(person, **fields):
    return {
        "image": "",
        "username": person["username"],
        "bio": "",
        "email": person["email"],
        "password": "",
        **fields,
    }


# -- forgot password ------------------------------------------------------------------------


def test_the_sign_in_page_links_to_forgot_password(client):
    assert b'<a href="/forgot-password">Forgot password?</a>' in client.get("/login").data


def test_forgot_password_answers_the_same_for_any_email(client, monkeypatch):
    asked = []
    monkeypatch.setattr(auth_client, "request_password_reset", asked.append)

    known = client.post("/forgot-password", data={"email": "someone@example.test"})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.test"})

    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert b"If an account exists for that address, we sent a link" in known.data
    assert asked == ["someone@example.test", "nobody@example.test"]


def test_a_reset_signs_every_browser_of_the_account_out(
    app, client, person, auth_service, monkeypatch
):
    other = app.test_client()
    assert sign_in(other, person).status_code == 303
    monkeypatch.setattr(auth_client, "reset_link_works", lambda token: token == "good")
    monkeypatch.setattr(
        auth_client,
        "reset_password",
        lambda token, password: auth_service.reset(person["email"], password),
    )

    assert b'name="token" value="good"' in client.get("/reset-password?token=good").data
    response = client.post("/reset-password", data={"token": "good", "password": "brand new pw"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert b"Your password is changed" in client.get("/login").data
    assert SIGNED_OUT in other.get("/").data  # at once, not a poll later
    with app.app_context():
        rows = db.session.scalars(
            sa.select(WebSession).where(WebSession.account_id == uuid.UUID(person["id"]))
        )
        assert rows.all() == []
    assert sign_in(client, person, "brand new pw").status_code == 303


def test_a_used_or_expired_link_says_so(client, monkeypatch):
    monkeypatch.setattr(auth_client, "reset_link_works", lambda token: False)

    response = client.get("/reset-password?token=old")

    assert response.status_code == 404
    assert b"This link is invalid or has expired." in response.data
    assert b'href="/forgot-password"' in response.data


# -- settings: the current password ---------------------------------------------------------


@pytest.mark.parametrize("current", ["", "not my password"])
def test_a_password_change_without_the_current_password_is_refused(
    client, person, auth_service, current
):
    sign_in(client, person)

    response = client.post(
        "/settings", data=settings_form(person, password="a new password", current_password=current)
    )

    assert response.status_code == 422
    assert b"<li>current password" in response.data
    assert auth_service.accounts[person["email"]]["password"] == PASSWORD


def test_an_email_change_without_the_current_password_is_refused(client, person, auth_service):
    sign_in(client, person)

    response = client.post("/settings", data=settings_form(person, email="new@example.test"))

    assert response.status_code == 422
    assert auth_service.accounts[person["email"]]["email"] == person["email"]


def test_a_password_change_with_the_current_password_keeps_this_browser_only(app, client, person):
    other = app.test_client()
    sign_in(other, person)
    sign_in(client, person)

    response = client.post(
        "/settings",
        data=settings_form(person, password="a new password", current_password=PASSWORD),
    )

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).data
    assert b"every other browser is signed out" in page
    assert SIGNED_OUT in other.get("/").data


# -- email verification ---------------------------------------------------------------------


def test_an_unverified_account_sees_the_notice_and_can_resend(client, person, monkeypatch):
    sign_in(client, person)
    sent = []
    monkeypatch.setattr(auth_client, "resend_verification", sent.append)

    assert b"Please verify your email" in client.get("/").data
    assert b'href="/verify-email/resend"' in client.get("/").data
    assert b"Send me a new link" in client.get("/verify-email/resend").data
    response = client.post("/verify-email/resend")

    assert response.headers["Location"] == "/"
    assert sent == [person["id"]]
    assert b"We sent a new confirmation link" in client.get("/").data


def test_the_verification_link_confirms_and_ends_the_notice(client, person, monkeypatch):
    sign_in(client, person)
    monkeypatch.setattr(auth_client, "verify_email", lambda token: person["id"])

    response = client.get("/verify-email?token=abc")

    assert response.status_code == 303
    page = client.get("/").data
    assert b"your email is confirmed" in page
    assert b"Please verify your email" not in page


def test_a_verified_account_sees_no_notice(client, person, auth_service):
    auth_service.accounts[person["email"]]["verified"] = True
    sign_in(client, person)
    assert b"Please verify your email" not in client.get("/").data


# -- messages after account actions ---------------------------------------------------------


def test_sign_up_sign_in_sign_out_and_settings_each_say_what_happened(client, auth_service):
    name = f"neo{uuid.uuid4().hex[:8]}"
    form = {"username": name, "email": f"{name}@example.test", "password": PASSWORD}
    client.post("/register", data=form)
    assert f"Welcome to Titanium, {name}!".encode() in client.get("/").data
    client.post("/logout")
    assert b"You are signed out." in client.get("/").data
    client.post("/login", data={"email": form["email"], "password": PASSWORD})
    assert f"Welcome back, {name}!".encode() in client.get("/").data
    saved = client.post("/settings", data=settings_form(form, bio="hi"))
    assert b"Settings saved." in client.get(saved.headers["Location"]).data


# -- back to where the person came from -----------------------------------------------------


def test_signing_in_from_the_editor_goes_back_to_the_editor(client, person):
    redirect = client.get("/editor")
    assert redirect.headers["Location"] == "/login"  # exactly, as the contract says

    response = sign_in(client, person)

    assert response.headers["Location"] == "/editor"
    assert client.get("/editor").status_code == 200


def test_your_feed_goes_to_exactly_login_and_comes_back(client, person):
    assert client.get("/?feed=following").headers["Location"] == "/login"
    assert sign_in(client, person).headers["Location"] == "/?feed=following"


def test_sign_in_to_comment_returns_to_the_article(client, person, people, write):
    article = write(people("author"), title=unique("Comment on me"))
    page = client.get(f"/article/{article.slug}").data.decode()
    link = f'href="/login?next=/article/{article.slug}"'
    assert link in page

    client.get(f"/login?next=/article/{article.slug}")
    response = sign_in(client, person)

    assert response.headers["Location"] == f"/article/{article.slug}"


def test_signing_up_from_an_article_returns_to_it(client, auth_service, people, write):
    article = write(people("author"), title=unique("Sign up here"))
    client.get(f"/register?next=/article/{article.slug}")
    name = f"new{uuid.uuid4().hex[:8]}"
    response = client.post(
        "/register", data={"username": name, "email": f"{name}@example.test", "password": PASSWORD}
    )
    assert response.headers["Location"] == f"/article/{article.slug}"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/login", "/logout"]
)
def test_next_never_leaves_the_site_nor_loops(client, person, target):
    client.get("/login", query_string={"next": target})
    assert sign_in(client, person).headers["Location"] == "/"


def test_without_a_destination_sign_in_goes_to_exactly_home(client, person):
    assert sign_in(client, person).headers["Location"] == "/"


# -- a slow auth_service --------------------------------------------------------------------


@pytest.fixture
def silent_auth_service():
    """A socket that accepts connections and never answers: auth_service hashing too slowly."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture
def slow_app(make_app, silent_auth_service):
    return make_app(
        WTF_CSRF_ENABLED=False,
        AUTH_SERVICE_URL=silent_auth_service,
        AUTH_WRITE_TIMEOUT_SECONDS=0.3,
    )


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        (
            "/login",
            {"email": "a@example.test", "password": PASSWORD},
            b"Signing in is taking longer",
        ),
        (
            "/register",
            {"username": "slowpoke", "email": "s@example.test", "password": PASSWORD},
            b"Signing up is taking longer",
        ),
    ],
)
def test_a_slow_auth_service_asks_to_try_again_on_the_form(slow_app, path, form, message):
    response = slow_app.test_client().post(path, data=form)

    assert response.status_code == 503
    assert message in response.data
    assert b'class="auth-page"' in response.data  # the form, not an error page
    assert f'value="{form["email"]}"'.encode() in response.data  # what was typed stays


def test_the_auth_timeout_leaves_room_for_password_hashing(app):
    assert app.config["AUTH_WRITE_TIMEOUT_SECONDS"] >= 10


def test_a_sign_up_retried_after_a_timeout_signs_in_instead_of_failing(client, auth_service):
    auth_service.times_out_after_write = True  # created, but the reply is lost
    name = f"late{uuid.uuid4().hex[:8]}"
    form = {"username": name, "email": f"{name}@example.test", "password": PASSWORD}
    form["idempotency_key"] = (
        client.get("/register").text.split('name="idempotency_key" value="')[1].split('"')[0]
    )

    first = client.post("/register", data=form)
    assert first.status_code == 503
    assert f'value="{form["idempotency_key"]}"'.encode() in first.data  # the same key again
    second = client.post("/register", data=form)

    assert second.status_code == 303
    assert f'href="/profile/{name}"'.encode() in client.get("/").data
