"""Sign up, sign in, sign out and settings (CONTRACT 2.2, 2.3, 2.5) against a fake auth_service."""

import uuid

import pytest

from titanium_common.caching import UNCHANGED_HEADER
from webapp.accounts import client as auth_client
from webapp.profiles.client import Profile
from webapp.upstream import UpstreamUnavailable

from ..support import unique


@pytest.fixture
def registered(auth_service):
    name = f"grace{uuid.uuid4().hex[:8]}"
    return auth_service.register(name, f"{name}@example.test", "long-password")


def test_login_and_register_forms_have_the_contract_fields(client):
    login = client.get("/login").data
    register = client.get("/register").data

    assert b'<h1 class="text-xs-center">Sign in</h1>' in login
    assert b'<a href="/register">Need an account?</a>' in login
    assert b'name="email" placeholder="Email"' in login
    assert b'type="password" name="password" placeholder="Password"' in login
    assert b'<button type="submit"' in login
    assert b'<ul class="error-messages">' in login
    assert b'<h1 class="text-xs-center">Sign up</h1>' in register
    assert b'name="username" placeholder="Username"' in register
    assert b'<a href="/login">Have an account?</a>' in register


def test_register_signs_in_and_goes_to_exactly_home(client, auth_service):
    response = client.post(
        "/register", data={"username": "newbie", "email": "n@example.test", "password": "password1"}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = client.get("/").data
    assert b'href="/profile/newbie"><img class="user-pic"' in home
    assert b'href="/editor"' in home
    assert b"Sign in" not in home


def test_a_failed_login_stays_on_login_with_the_message(client, registered):
    response = client.post("/login", data={"email": registered["email"], "password": "wrong"})

    assert response.status_code == 422
    assert b"<li>email or password is invalid</li>" in response.data
    assert (
        'value="{}"'.format(registered["email"]).encode() in response.data
    )  # what was typed stays


def test_login_then_logout(client, registered):
    login = client.post("/login", data={"email": registered["email"], "password": "long-password"})
    assert login.headers["Location"] == "/"
    assert 'href="/profile/{}"'.format(registered["username"]).encode() in client.get("/").data

    logout = client.post("/logout")

    assert logout.status_code == 303
    assert logout.headers["Location"] == "/"
    assert b'href="/login">Sign in</a>' in client.get("/").data
    # Neither changes what any reader's page shows: the gateway may keep its cached pages.
    assert login.headers[UNCHANGED_HEADER] == logout.headers[UNCHANGED_HEADER] == "1"


def test_register_errors_show_field_and_message(client, auth_service, registered):
    response = client.post(
        "/register", data={"username": "x", "email": registered["email"], "password": "password1"}
    )

    assert response.status_code == 422
    assert b"<li>email has already been taken</li>" in response.data


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [(1, "1 second"), (8, "8 seconds"), (60, "1 minute"), (600, "10 minutes"), (None, "1 minute")],
)
def test_throttled_login_tells_when_to_try_again(client, auth_service, retry_after, wait):
    auth_service.rejection = auth_client.AuthRejected(
        429, {"login": ["too many failed attempts, try again later"]}, retry_after=retry_after
    )

    response = client.post("/login", data={"email": "a@example.test", "password": "whatever"})

    assert response.status_code == 422
    assert f"<li>Too many failed sign-in attempts. Try again in {wait}.</li>" in response.text


def test_throttled_sign_up_says_so_in_its_own_words(client, auth_service):
    auth_service.rejection = auth_client.AuthRejected(
        429, {"registration": ["too many sign-ups from this address"]}, retry_after=1800
    )

    response = client.post(
        "/register", data={"username": "n", "email": "n@example.test", "password": "password1"}
    )

    assert response.status_code == 422
    assert "<li>Too many sign-ups from your address. Try again in 30 minutes.</li>" in response.text


def test_auth_service_down_keeps_the_navbar(client, monkeypatch):
    def down(*_args):
        raise UpstreamUnavailable("auth_service")

    monkeypatch.setattr(auth_client, "login", down)

    response = client.post("/login", data={"email": "a@example.test", "password": "whatever"})

    assert response.status_code == 503
    assert b'class="navbar"' in response.data


def test_settings_need_a_session(client):
    response = client.get("/settings")

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_settings_form_is_filled_and_has_a_typeless_logout_button(
    client, registered, sign_in, user_service
):
    account = auth_service_account(registered)
    sign_in(account)

    html = client.get("/settings").data

    assert b'<h1 class="text-xs-center">Your Settings</h1>' in html
    assert f'placeholder="Your Name" value="{registered["username"]}"'.encode() in html
    assert b'placeholder="Short bio about you"></textarea>' in html  # null bio -> empty
    assert b'name="image" placeholder="URL of profile picture" value=""' in html
    assert b'placeholder="New Password" value=""' in html
    assert (
        b'<button type="submit" class="btn btn-lg btn-primary pull-xs-right">'
        b"Update Settings</button>" in html
    )
    assert b'<button class="btn btn-outline-danger">Or click here to logout.</button>' in html


def test_settings_update_normalises_blanks_and_never_sends_an_empty_password(
    client, auth_service, registered, sign_in
):
    sign_in(auth_service_account(registered))

    response = client.post(
        "/settings",
        data={
            "image": "",
            "username": registered["username"],
            "bio": "  ",
            "email": registered["email"],
            "password": "",
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/profile/{registered['username']}"
    action, changes = auth_service.sent[-1]
    assert action == "update"
    assert changes["bio"] is None and changes["image"] is None
    assert "password" not in changes


def test_settings_show_the_new_bio_and_image_on_the_profile(
    client, auth_service, registered, sign_in
):
    sign_in(auth_service_account(registered))
    image = "https://images.example.test/grace.png"

    client.post(
        "/settings",
        data={
            "image": image,
            "username": registered["username"],
            "bio": "Admiral",
            "email": registered["email"],
            "password": "new-password",
            "current_password": "long-password",
        },
    )
    html = client.get(f"/profile/{registered['username']}").data

    assert auth_service.sent[-1][1]["password"] == "new-password"
    assert f'<img class="user-img" src="{image}"'.encode() in html
    assert b"<p>Admiral</p>" in html
    assert f'<img class="user-pic" src="{image}"'.encode() in html


def test_a_change_in_settings_shows_at_once_even_before_its_event_arrives(
    client, auth_service, registered, sign_in, user_service
):
    """Read your own writes: webapp keeps what auth_service answered (in version order), so the
    profile does not wait for the outbox's event (late here), nor for user_service."""
    sign_in(auth_service_account(registered))
    client.get("/")
    auth_service.delivers = False
    renamed = f"{registered['username']}-2"

    client.post(
        "/settings",
        data={
            "image": "",
            "username": renamed,
            "bio": "Renamed and rewritten",
            "email": registered["email"],
        },
    )
    user_service.failure_status = 503
    html = client.get(f"/profile/{renamed}").data

    assert b"<p>Renamed and rewritten</p>" in html
    assert f'href="/profile/{renamed}"'.encode() in html  # the navbar too


def test_signing_in_keeps_the_reader_from_auth_services_reply(client, auth_service, user_service):
    auth_service.delivers = False  # the registration's event is late
    name = unique("newcomer")
    client.post("/register", data={"username": name, "email": f"{name}@x.test", "password": "pw"})
    user_service.failure_status = 503

    html = client.get("/").data

    assert f'href="/profile/{name}"'.encode() in html


def test_settings_errors_are_inline(client, auth_service, registered, sign_in):
    sign_in(auth_service_account(registered))
    auth_service.rejection = auth_client.AuthRejected(
        422, {"password": ["is too short (minimum is 8 characters)"]}
    )

    response = client.post(
        "/settings",
        data={
            "image": "",
            "username": registered["username"],
            "bio": "",
            "email": registered["email"],
            "password": "short",
        },
    )

    assert response.status_code == 422
    assert b"<li>password is too short (minimum is 8 characters)</li>" in response.data


def test_a_session_whose_account_is_gone_renders_signed_out(client, people, sign_in, user_service):
    ghost = sign_in(people("ghost"))
    del user_service.profiles[ghost.id]

    response = client.get("/")

    assert b'href="/login">Sign in</a>' in response.data
    assert "session=;" in response.headers.get("Set-Cookie", "")  # cleared


def test_user_service_down_for_a_signed_in_viewer_is_an_error_page(
    client, people, sign_in, user_service
):
    sign_in(people("unlucky"))
    user_service.failure_status = 500

    response = client.get("/")

    assert response.status_code == 503
    assert b'class="navbar"' in response.data
    assert b'class="article-page error-page"' in response.data


def auth_service_account(user: dict):
    return Profile(user["id"], user["username"], user["bio"], user["image"], False)
