"""auth_service, called server-side: the browser never sees a token.

Each call carries the client address the gateway passed in (webapp.upstream forwards it), so
auth_service throttles the browser, never webapp.
"""

import jwt

from titanium_common.identity import PROFILE_VERSION_HEADER, TOKEN_VERSION_CLAIM
from webapp import upstream

SERVICE = "auth_service"


class AuthRejected(Exception):
    """auth_service refused the request (4xx): `errors` is its RealWorld error envelope."""

    def __init__(self, status: int, errors: dict[str, list[str]], retry_after: int | None = None):
        super().__init__(status, errors)
        self.status = status
        self.errors = errors
        self.retry_after = retry_after


def register(username: str, email: str, password: str) -> dict:
    body = {"user": {"username": username, "email": email, "password": password}}
    return _call("POST", "/api/users", body)


def login(email: str, password: str) -> dict:
    return _call("POST", "/api/users/login", {"user": {"email": email, "password": password}})


def current_account(account_id: str) -> dict:
    return _call("GET", "/api/user", account_id=account_id)


def update_account(account_id: str, changes: dict) -> dict:
    return _call("PUT", "/api/user", {"user": changes}, account_id=account_id)


def signed_in_as(user: dict) -> tuple[str, int]:
    """(account id, token version) of a User reply: its token's subject and version. The token
    came straight from auth_service over our own connection, so its signature needs no check
    here (the gateway checks API tokens)."""
    claims = jwt.decode(user["token"], options={"verify_signature": False})
    return claims["sub"], claims[TOKEN_VERSION_CLAIM]


def _call(method: str, path: str, body: dict | None = None, account_id: str | None = None) -> dict:
    response = upstream.call(SERVICE, method, path, json=body, account_id=account_id)
    payload = upstream.json_body(SERVICE, response)
    if response.status_code >= 400:
        retry_after = response.headers.get("Retry-After", "")
        raise AuthRejected(
            response.status_code,
            payload.get("errors") or {"request": ["was refused"]},
            int(retry_after) if retry_after.isdigit() else None,
        )
    # The profile's version, to keep webapp's copy in order with the outbox's snapshots; an
    # auth_service that does not say gives 0, which any snapshot replaces.
    version = response.headers.get(PROFILE_VERSION_HEADER, "")
    return {**payload["user"], "version": int(version) if version.isdigit() else 0}
