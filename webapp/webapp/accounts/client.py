"""auth_service, called server-side: the browser never sees a token.

Each call carries the client address the gateway passed in (webapp.upstream forwards it), so
auth_service throttles the browser, never webapp. Calls that hash a password wait up to
AUTH_WRITE_TIMEOUT_SECONDS; a sign-up carries its form's Idempotency-Key, so the same form sent
again after a timeout signs the person in instead of finding the email taken.
"""

import jwt
from flask import current_app

from titanium_common.idempotency import IDEMPOTENCY_KEY_HEADER
from titanium_common.identity import (
    EMAIL_VERIFIED_HEADER,
    PROFILE_VERSION_HEADER,
    TOKEN_VERSION_CLAIM,
)
from webapp import upstream

SERVICE = "auth_service"


class AuthRejected(Exception):
    """auth_service refused the request (4xx): `errors` is its RealWorld error envelope."""

    def __init__(self, status: int, errors: dict[str, list[str]], retry_after: int | None = None):
        super().__init__(status, errors)
        self.status = status
        self.errors = errors
        self.retry_after = retry_after


def register(username: str, email: str, password: str, idempotency_key: str | None = None) -> dict:
    body = {"user": {"username": username, "email": email, "password": password}}
    headers = {IDEMPOTENCY_KEY_HEADER: idempotency_key} if idempotency_key else None
    return _call("POST", "/api/users", body, headers=headers, slow=True)


def login(email: str, password: str) -> dict:
    body = {"user": {"email": email, "password": password}}
    return _call("POST", "/api/users/login", body, slow=True)


def current_account(account_id: str) -> dict:
    return _call("GET", "/api/user", account_id=account_id)


def update_account(account_id: str, changes: dict, current_password: str | None = None) -> dict:
    """The settings form's update: auth_service checks `current_password` before an email or
    password change (ADR 0019)."""
    body = {"user": changes, "current_password": current_password or ""}
    return _call("PUT", "/api/user", body, account_id=account_id, slow=True)


def request_password_reset(email: str) -> None:
    _send("POST", "/internal/password-resets/requests", {"user": {"email": email}})


def reset_link_works(token: str) -> bool:
    try:
        _send("POST", "/internal/password-resets/check", {"reset": {"token": token}})
    except AuthRejected as rejection:
        if rejection.status == 404:
            return False
        raise
    return True


def reset_password(token: str, password: str) -> tuple[str, int]:
    """Set the password by a reset link: (account id, its new token version)."""
    body = {"reset": {"token": token, "password": password}}
    reply, _response = _send("POST", "/internal/password-resets", body, slow=True)
    return reply["account"], reply["token_version"]


def verify_email(token: str) -> str:
    """The account whose email the link verified."""
    body = {"verification": {"token": token}}
    reply, _response = _send("POST", "/internal/email-verifications", body)
    return reply["account"]


def resend_verification(account_id: str) -> None:
    _send("POST", "/internal/email-verifications/requests", {}, account_id=account_id)


def signed_in_as(user: dict) -> tuple[str, int]:
    """(account id, token version) of a User reply: its token's subject and version. The token
    came straight from auth_service over our own connection, so its signature needs no check
    here (the gateway checks API tokens)."""
    claims = jwt.decode(user["token"], options={"verify_signature": False})
    return claims["sub"], claims[TOKEN_VERSION_CLAIM]


def _send(method, path, body=None, account_id=None, headers=None, slow=False):
    """The reply's JSON (an empty object for 204) and the reply; AuthRejected for a 4xx."""
    timeout = current_app.config["AUTH_WRITE_TIMEOUT_SECONDS"] if slow else None
    response = upstream.call(
        SERVICE,
        method,
        path,
        json=body,
        account_id=account_id,
        headers=headers,
        read_timeout=timeout,
    )
    payload = {} if response.status_code == 204 else upstream.json_body(SERVICE, response)
    if response.status_code >= 400:
        retry_after = response.headers.get("Retry-After", "")
        raise AuthRejected(
            response.status_code,
            payload.get("errors") or {"request": ["was refused"]},
            int(retry_after) if retry_after.isdigit() else None,
        )
    return payload, response


def _call(method, path, body=None, account_id=None, headers=None, slow=False) -> dict:
    payload, response = _send(method, path, body, account_id, headers, slow)
    # The profile's version, to keep webapp's copy in order with the outbox's snapshots; an
    # auth_service that does not say gives 0, which any snapshot replaces.
    version = response.headers.get(PROFILE_VERSION_HEADER, "")
    return {
        **payload["user"],
        "version": int(version) if version.isdigit() else 0,
        # Unsaid (an older auth_service): verified, so nobody is nagged for nothing.
        "verified": response.headers.get(EMAIL_VERIFIED_HEADER, "1") != "0",
    }
