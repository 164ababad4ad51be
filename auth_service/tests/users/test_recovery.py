"""Password resets and email verification (issue 11, item 5): single-use links that expire,
mailed; a reset ends every session and token; no answer tells whether an account exists."""

import email
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from auth_service.models import utc_now
from auth_service.users import links
from titanium_common.identity import EMAIL_VERIFIED_HEADER

LINK = re.compile(r"https://blog\.example\.test/(reset-password|verify-email)\?token=(\S+)")


def wait_for_mail(app) -> None:
    for thread in list(app.extensions.get("mail_threads", ())):
        thread.join(10)


def mails_to(app, address: str) -> list[email.message.EmailMessage]:
    wait_for_mail(app)
    found = []
    for path in sorted(Path(app.config["MAIL_DIR"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def link_token(message, page: str) -> str:
    body = message.get_body(("plain",)).get_content()
    match = next(m for m in LINK.finditer(body) if m.group(1) == page)
    return parse_qs(urlsplit(match.group(0)).query)["token"][0]


def request_reset(client, address: str):
    return client.post("/internal/password-resets/requests", json={"user": {"email": address}})


NEW_PASSWORD = "a brand new one"


def reset(client, token: str, password: str = NEW_PASSWORD):
    return client.post(
        "/internal/password-resets", json={"reset": {"token": token, "password": password}}
    )


def test_a_reset_request_answers_the_same_for_unknown_and_known_emails(app, client, users):
    user = users.register()
    known = request_reset(client, user["email"])
    unknown = request_reset(client, "nobody-at-all@example.test")
    assert (
        (known.status_code, known.json)
        == (unknown.status_code, unknown.json)
        == (
            202,
            {"status": "accepted"},
        )
    )
    subjects = [mail["Subject"] for mail in mails_to(app, user["email"])]
    assert sorted(subjects) == ["Confirm your email for Titanium", "Reset your Titanium password"]
    assert mails_to(app, "nobody-at-all@example.test") == []


def test_the_reset_link_sets_the_password_once_and_ends_every_token(app, client, users):
    user = users.register()
    request_reset(client, user["email"].upper())
    [mail] = [m for m in mails_to(app, user["email"]) if "Reset" in m["Subject"]]
    token = link_token(mail, "reset-password")

    assert (
        client.post("/internal/password-resets/check", json={"reset": {"token": token}}).status_code
        == 204
    )
    response = reset(client, token)
    assert response.status_code == 200
    assert response.json["token_version"] == 2
    assert users.login(user["email"], "a brand new one").status_code == 200
    assert users.login(user["email"], "correct horse").status_code == 401
    feed = client.get("/internal/token-revocations").json["revocations"]
    assert {"account": user["id"], "version": 2} in [
        {"account": row["account"], "version": row["version"]} for row in feed
    ]
    # Single use: the same link again is gone, and sets nothing.
    again = reset(client, token, "yet another one")
    assert again.status_code == 404
    assert again.json == {"errors": {"link": ["is invalid or has expired"]}}
    assert users.login(user["email"], "yet another one").status_code == 401
    # The click proved the address.
    assert users.login(user["email"], "a brand new one").headers[EMAIL_VERIFIED_HEADER] == "1"


def test_a_reset_link_expires_after_an_hour(app, client, users, monkeypatch):
    user = users.register()
    request_reset(client, user["email"])
    [mail] = [m for m in mails_to(app, user["email"]) if "Reset" in m["Subject"]]
    token = link_token(mail, "reset-password")
    later = utc_now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(links, "now", lambda: later)
    assert reset(client, token).status_code == 404
    assert users.login(user["email"], "correct horse").status_code == 200


def test_a_reset_link_is_worthless_once_the_password_changed_otherwise(app, client, users):
    user = users.register()
    request_reset(client, user["email"])
    [mail] = [m for m in mails_to(app, user["email"]) if "Reset" in m["Subject"]]
    assert users.update(user, password="changed in settings").status_code == 200
    assert reset(client, link_token(mail, "reset-password")).status_code == 404


def test_a_reset_refuses_an_unusable_password_and_keeps_the_link(app, client, users):
    user = users.register()
    request_reset(client, user["email"])
    [mail] = [m for m in mails_to(app, user["email"]) if "Reset" in m["Subject"]]
    token = link_token(mail, "reset-password")
    short = reset(client, token, "short")
    assert short.status_code == 422
    assert "password" in short.json["errors"]
    assert reset(client, token).status_code == 200


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500, None, 5])
def test_unknown_links_are_404(client, token):
    assert reset(client, token).status_code == 404
    response = client.post("/internal/email-verifications", json={"verification": {"token": token}})
    assert response.status_code == 404


def test_a_new_account_gets_a_verification_link(app, client, users):
    user = users.register()
    assert users.login(user["email"], "correct horse").headers[EMAIL_VERIFIED_HEADER] == "0"
    [mail] = mails_to(app, user["email"])
    token = link_token(mail, "verify-email")
    verify = {"verification": {"token": token}}
    response = client.post("/internal/email-verifications", json=verify)
    assert (response.status_code, response.json) == (200, {"account": user["id"]})
    assert users.login(user["email"], "correct horse").headers[EMAIL_VERIFIED_HEADER] == "1"
    assert client.post("/internal/email-verifications", json=verify).status_code == 404


def test_resending_verification_sends_a_new_link(app, client, users):
    user = users.register()
    response = client.post("/internal/email-verifications/requests", headers=user["headers"])
    assert response.status_code == 202
    assert len(mails_to(app, user["email"])) == 2


def test_changing_the_email_unverifies_it_and_mails_the_new_address(app, client, users):
    user = users.register()
    new_address = f"new-{user['email']}"
    response = users.update(user, email=new_address)
    assert response.status_code == 200
    assert response.headers[EMAIL_VERIFIED_HEADER] == "0"
    assert len(mails_to(app, new_address)) == 1


# -- the settings form's current password (ADR 0019) --------------------------------------------


def put_with_current(client, user, current, **fields):
    body = {"user": fields, "current_password": current}
    return client.put("/api/user", json=body, headers=user["headers"])


@pytest.mark.parametrize("current", ["wrong password", "", None])
def test_a_password_change_with_a_wrong_current_password_changes_nothing(client, users, current):
    user = users.register()
    response = put_with_current(client, user, current, password="a new password", bio="x")
    assert response.status_code == 422
    assert "current password" in response.json["errors"]
    assert users.login(user["email"], "correct horse").status_code == 200
    assert client.get("/api/user", headers=user["headers"]).json["user"]["bio"] is None


def test_an_email_change_needs_the_current_password(client, users):
    user = users.register()
    new_address = f"other-{user['email']}"
    assert put_with_current(client, user, "wrong", email=new_address).status_code == 422
    response = put_with_current(client, user, "correct horse", email=new_address)
    assert response.status_code == 200
    assert response.json["user"]["email"] == new_address


def test_other_changes_need_no_current_password(client, users):
    user = users.register()
    response = put_with_current(client, user, "", bio="just the bio", email=user["email"])
    assert response.status_code == 200


def test_the_realworld_update_keeps_its_contract(client, users):
    """API clients know no current password: PUT /api/user stays as RealWorld has it."""
    user = users.register()
    assert users.update(user, password="changed by a client").status_code == 200
