"""Browser sessions end for real, through the real stack: a cookie replayed after logout is
signed out, and a password change signs every other browser out, and every older API token,
while the browser that made it stays signed in."""

from tests.support import Api, eventually
from tests.web import PASSWORD, Browser, parse_html

SIGNED_OUT = 'nav.navbar a[href="/login"]'


def is_signed_in(browser: Browser, username: str) -> bool:
    page = parse_html(browser.get("/").text)
    signed_in = bool(page.select(f'nav.navbar a[href="/profile/{username}"]'))
    assert signed_in != bool(page.select(SIGNED_OUT))
    return signed_in


def sign_in_as(stack, username: str) -> Browser:
    browser = Browser(stack.url)
    browser.login({"email": f"{username}@example.test", "password": PASSWORD, "username": username})
    return browser


def change_password(browser: Browser, username: str) -> None:
    response = browser.submit(
        "/settings", "/settings", password="a brand new passphrase", current_password=PASSWORD
    )
    assert response.status_code == 303, response.text[:500]
    assert response.headers["Location"] == f"/profile/{username}"


def test_a_cookie_replayed_after_logout_is_signed_out(stack):
    browser = Browser(stack.url)
    username = browser.register()
    kept = browser.session.cookies.get("session")

    browser.submit("/settings", "/logout")
    browser.session.cookies.set("session", kept)

    assert not is_signed_in(browser, username)


def test_a_password_change_signs_other_browsers_out_and_keeps_this_one(stack):
    laptop = Browser(stack.url)
    username = laptop.register()
    phone = sign_in_as(stack, username)
    stolen = phone.session.cookies.get("session")

    change_password(laptop, username)

    assert is_signed_in(laptop, username)
    assert not is_signed_in(phone, username)
    phone.session.cookies.set("session", stolen)
    assert not is_signed_in(phone, username)


def test_a_password_change_in_settings_ends_the_accounts_api_tokens(stack):
    api = Api(stack.url)
    browser = Browser(stack.url)
    username = browser.register()
    body = {"user": {"email": f"{username}@example.test", "password": PASSWORD}}
    token = api.call("POST", "/users/login", json=body).json()["user"]["token"]

    change_password(browser, username)

    assert eventually(lambda: api.call("GET", "/user", token).status_code == 401, 5)


def test_a_password_change_through_the_api_signs_browsers_out_within_a_poll(stack):
    api = Api(stack.url)
    browser = Browser(stack.url)
    username = browser.register()
    body = {"user": {"email": f"{username}@example.test", "password": PASSWORD}}
    token = api.call("POST", "/users/login", json=body).json()["user"]["token"]

    changed = api.call("PUT", "/user", token, json={"user": {"password": "via the api now"}})

    assert changed.status_code == 200
    assert eventually(lambda: not is_signed_in(browser, username), 5) is True
