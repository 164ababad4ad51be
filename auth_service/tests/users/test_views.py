"""The RealWorld users endpoints, held to CONTRACT.md part 1 (1.4, 1.5 and 1.6)."""

import pytest

from tests.conftest import new_user
from titanium_common.caching import PURGE_HEADER, UNCHANGED_HEADER
from titanium_common.identity import PROFILE_VERSION_HEADER, USER_ID_HEADER


def post_user(client, path, user):
    return client.post(path, json={"user": user})


# -- register ---------------------------------------------------------------------------------


def test_register_returns_the_user_with_a_token(client):
    payload = new_user()
    response = post_user(client, "/api/users", payload)
    assert response.status_code == 201
    assert response.content_type == "application/json; charset=utf-8"
    user = response.json["user"]
    assert user == {
        "email": payload["email"],
        "token": user["token"],
        "username": payload["username"],
        "bio": None,
        "image": None,
    }
    assert user["token"]


@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_register_blank_field_is_422(client, field, blank):
    response = post_user(client, "/api/users", new_user(**{field: blank}))
    assert response.status_code == 422
    assert response.json == {"errors": {field: ["can't be blank"]}}


def test_register_names_every_invalid_field_at_once(client):
    response = post_user(
        client, "/api/users", {"username": "", "email": "nope", "password": "short"}
    )
    assert response.status_code == 422
    assert response.json == {
        "errors": {
            "username": ["can't be blank"],
            "email": ["is invalid"],
            "password": ["is too short (minimum is 8 characters)"],
        }
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "has space"),
        ("username", "."),
        ("username", ".."),
        ("username", 42),
        ("email", "no-at-sign"),
        ("email", "two@@example.test"),
        ("email", "@example.test"),
        ("email", "someone@"),
        ("password", 12345678),
    ],
)
def test_register_invalid_field_is_422_is_invalid(client, field, value):
    response = post_user(client, "/api/users", new_user(**{field: value}))
    assert response.status_code == 422
    assert response.json == {"errors": {field: ["is invalid"]}}


@pytest.mark.parametrize("length", [8, 64, 256])
def test_register_accepts_passwords_from_8_to_256_characters(client, users, length):
    password = "p" * length
    user = users.register(password=password)
    assert users.login(user["email"], password).status_code == 200


def test_register_rejects_passwords_over_256_characters(client):
    response = post_user(client, "/api/users", new_user(password="p" * 257))
    assert response.json == {"errors": {"password": ["is too long (maximum is 256 characters)"]}}


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [("username", "x" * 65, 64), ("email", f"{'x' * 250}@example.test", 254)],
)
def test_register_overlong_field_is_422_with_its_limit(client, field, value, limit):
    response = post_user(client, "/api/users", new_user(**{field: value}))
    assert response.status_code == 422
    assert response.json == {"errors": {field: [f"is too long (maximum is {limit} characters)"]}}


REFUSED_TEXT = ["nul\x00here", "lone \ud800 surrogate", "bell\x07", "escape\x1b[31m"]


@pytest.mark.parametrize("text", REFUSED_TEXT)
@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_refuses_control_characters_and_lone_surrogates(client, field, text):
    response = post_user(client, "/api/users", new_user(**{field: text}))
    assert response.status_code == 422
    assert response.json == {"errors": {field: ["contains characters that are not allowed"]}}


@pytest.mark.parametrize("text", REFUSED_TEXT)
@pytest.mark.parametrize("field", ["email", "bio", "image"])
def test_update_refuses_control_characters_and_lone_surrogates(client, users, field, text):
    headers = users.register()["headers"]
    response = client.put("/api/user", json={"user": {field: text}}, headers=headers)
    assert response.status_code == 422
    assert response.json == {"errors": {field: ["contains characters that are not allowed"]}}


@pytest.mark.parametrize(("field", "limit"), [("bio", 1000), ("image", 2000)])
def test_update_profile_fields_have_limits(client, users, field, limit):
    headers = users.register()["headers"]
    start = "https://img.test/" if field == "image" else ""
    longest = start + "x" * (limit - len(start))
    accepted = client.put("/api/user", json={"user": {field: longest}}, headers=headers)
    assert accepted.status_code == 200
    response = client.put("/api/user", json={"user": {field: longest + "x"}}, headers=headers)
    assert response.status_code == 422
    assert response.json == {"errors": {field: [f"is too long (maximum is {limit} characters)"]}}


def test_login_refuses_a_nul_in_the_email(client):
    response = post_user(client, "/api/users/login", {"email": "a\x00@b.test", "password": "x"})
    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["contains characters that are not allowed"]}}


def test_register_duplicate_username_is_409_whatever_its_case(client, users):
    taken = users.register()
    response = post_user(client, "/api/users", new_user(username=taken["username"].upper()))
    assert response.status_code == 409
    assert response.json == {"errors": {"username": ["has already been taken"]}}


def test_register_duplicate_email_is_409_whatever_its_case(client, users):
    taken = users.register()
    response = post_user(client, "/api/users", new_user(email=taken["email"].upper()))
    assert response.status_code == 409
    assert response.json == {"errors": {"email": ["has already been taken"]}}


def test_register_keeps_the_username_as_typed_and_the_email_lower_case(users):
    user = users.register(username="Mixed_Case", email="Mixed.Case@Example.TEST")
    assert user["username"] == "Mixed_Case"
    assert user["email"] == "mixed.case@example.test"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (b"{not json", {"body": ["is invalid"]}),
        (b'{"username": "x"}', {"user": ["can't be blank"]}),
        (b'{"user": "x"}', {"user": ["can't be blank"]}),
        (b"[]", {"user": ["can't be blank"]}),
    ],
)
def test_malformed_bodies_are_422(client, body, errors):
    response = client.post("/api/users", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json == {"errors": errors}


def test_an_oversized_body_is_refused_without_a_500(client):
    response = post_user(client, "/api/users", new_user(username="x" * 100_000))
    assert response.status_code == 413
    assert response.json == {"errors": {"body": ["is too large"]}}


# -- login ------------------------------------------------------------------------------------


def test_login_returns_the_user_and_ignores_email_case(users):
    user = users.register()
    response = users.login(user["email"].upper(), "correct horse")
    assert response.status_code == 200
    assert response.json["user"]["username"] == user["username"]
    assert response.json["user"]["token"]


def test_register_and_login_tell_the_gateway_no_page_changed(client, users):
    registration = post_user(client, "/api/users", new_user())
    login = users.login(registration.json["user"]["email"], "correct horse")

    assert registration.headers[UNCHANGED_HEADER] == login.headers[UNCHANGED_HEADER] == "1"


def test_a_profile_change_tells_the_gateway_which_pages_show_it(users):
    """Pages naming the author, and lists filtered by the new name (ADR 0023): no other page."""
    user = users.register()
    renamed = f"{user['username']}_new"

    response = users.update(user, username=renamed, bio="Changed")

    assert response.status_code == 200
    assert set(response.headers[PURGE_HEADER].split()) == {
        f"author-{user['id']}",
        f"username-{renamed}",
    }


def test_login_wrong_password_and_unknown_email_answer_the_same(users):
    user = users.register()
    wrong_password = users.login(user["email"], "not the password")
    unknown_email = users.login("nobody-at-all@example.test", "correct horse")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert response.json == {"errors": {"credentials": ["invalid"]}}


@pytest.mark.parametrize(
    ("credentials", "errors"),
    [
        ({"email": "", "password": "whatever1"}, {"email": ["can't be blank"]}),
        ({"email": "a@b.test", "password": ""}, {"password": ["can't be blank"]}),
        ({}, {"email": ["can't be blank"], "password": ["can't be blank"]}),
    ],
)
def test_login_blank_fields_are_422_before_credentials_are_checked(client, credentials, errors):
    response = post_user(client, "/api/users/login", credentials)
    assert response.status_code == 422
    assert response.json == {"errors": errors}


# -- current user -----------------------------------------------------------------------------


def test_current_user_needs_the_identity_header(client):
    for method in (client.get, client.put):
        response = method("/api/user", json={"user": {"bio": "x"}})
        assert response.status_code == 401
        assert response.json == {"errors": {"token": ["is missing"]}}


@pytest.mark.parametrize("identity", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_current_user_with_a_garbled_or_unknown_id_is_401_invalid(client, identity):
    response = client.get("/api/user", headers={USER_ID_HEADER: identity})
    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is invalid"]}}


def test_current_user_returns_the_account_with_a_fresh_token(client, users):
    user = users.register()
    response = client.get("/api/user", headers=user["headers"])
    assert response.status_code == 200
    current = response.json["user"]
    assert {k: current[k] for k in ("email", "username", "bio", "image")} == {
        k: user[k] for k in ("email", "username", "bio", "image")
    }
    assert current["token"]


def test_update_is_partial_and_keeps_other_fields(client, users):
    user = users.register()
    assert (
        users.update(user, bio="I write things", image="https://img.test/a.png").status_code == 200
    )
    response = users.update(user, username=f"{user['username']}_renamed")
    assert response.status_code == 200
    updated = response.json["user"]
    assert updated["username"] == f"{user['username']}_renamed"
    assert updated["bio"] == "I write things"
    assert updated["image"] == "https://img.test/a.png"
    assert updated["email"] == user["email"]
    assert client.get("/api/user", headers=user["headers"]).json["user"]["bio"] == "I write things"


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "vbscript:msgbox(1)",
        "//evil.test/a.png",
        "/static/a.png",
        "https:no-host",
        "http://[::1",
    ],
)
def test_update_refuses_an_image_that_is_not_an_http_url(client, users, image):
    user = users.register()
    users.update(user, image="https://img.test/kept.png")

    response = users.update(user, image=image)

    assert response.status_code == 422
    assert response.json == {"errors": {"image": ["must be an http or https URL"]}}
    stored = client.get("/api/user", headers=user["headers"]).json["user"]
    assert stored["image"] == "https://img.test/kept.png"


@pytest.mark.parametrize("image", ["http://img.test/a.png", "HTTPS://IMG.TEST/A.PNG"])
def test_update_takes_http_and_https_images(users, image):
    response = users.update(users.register(), image=image)

    assert response.status_code == 200
    assert response.json["user"]["image"] == image


@pytest.mark.parametrize("empty", ["", None])
def test_update_empty_bio_and_image_are_stored_as_null(client, users, empty):
    user = users.register()
    users.update(user, bio="something", image="https://img.test/a.png")
    response = users.update(user, bio=empty, image=empty)
    assert response.status_code == 200
    assert (response.json["user"]["bio"], response.json["user"]["image"]) == (None, None)
    stored = client.get("/api/user", headers=user["headers"]).json["user"]
    assert (stored["bio"], stored["image"]) == (None, None)


@pytest.mark.parametrize("field", ["email", "username", "password"])
@pytest.mark.parametrize("blank", ["", None])
def test_update_blank_required_field_is_422(users, field, blank):
    user = users.register()
    response = users.update(user, **{field: blank})
    assert response.status_code == 422
    assert response.json == {"errors": {field: ["can't be blank"]}}


def test_update_short_password_is_422(users):
    response = users.update(users.register(), password="1234567")
    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["is too short (minimum is 8 characters)"]}}


def test_update_password_changes_what_login_accepts(users):
    user = users.register()
    assert users.update(user, password="a new passphrase").status_code == 200
    assert users.login(user["email"], "a new passphrase").status_code == 200
    assert users.login(user["email"], "correct horse").status_code == 401


def test_update_names_every_invalid_field_at_once(users):
    response = users.update(users.register(), email="", username="bad name", bio=7)
    assert response.status_code == 422
    assert response.json == {
        "errors": {"email": ["can't be blank"], "username": ["is invalid"], "bio": ["is invalid"]}
    }


@pytest.mark.parametrize("field", ["username", "email"])
def test_update_to_someone_elses_username_or_email_is_409(users, field):
    other = users.register()
    response = users.update(users.register(), **{field: other[field].upper()})
    assert response.status_code == 409
    assert response.json == {"errors": {field: ["has already been taken"]}}


def test_update_may_change_the_case_of_ones_own_username(users):
    user = users.register()
    response = users.update(user, username=user["username"].upper(), email=user["email"])
    assert response.status_code == 200
    assert response.json["user"]["username"] == user["username"].upper()


def test_update_without_identity_is_401_before_body_validation(client):
    response = client.put("/api/user", data=b"{broken", content_type="application/json")
    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is missing"]}}


def test_user_replies_say_which_version_of_the_profile_they_hold(client, users):
    """webapp keeps copies of profiles in version order, from these replies as from the outbox."""
    registered = client.post("/api/users", json={"user": new_user()})
    user = users.register()
    updated = users.update(user, bio="second version")
    unchanged = users.update(user, email=f"other-{user['email']}")  # not a profile field
    login = users.login(f"other-{user['email']}", "correct horse")

    assert registered.headers[PROFILE_VERSION_HEADER] == "1"
    assert [r.headers[PROFILE_VERSION_HEADER] for r in (updated, unchanged, login)] == ["2"] * 3
