"""auth_service, called server-side: the browser never sees a token.

Each call forwards the request's correlation headers and the client address (login throttling
counts per client); a slow or absent auth_service becomes UpstreamUnavailable, never a hang.
"""

import jwt
import requests
from flask import current_app, request

from titanium_common.context import outgoing_headers
from titanium_common.identity import USER_ID_HEADER
from webapp.profiles.client import UpstreamUnavailable

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


def account_id(user: dict) -> str:
    """The account id is the token's subject. The token came straight from auth_service over
    our own connection, so its signature needs no check here (the gateway checks API tokens)."""
    return jwt.decode(user["token"], options={"verify_signature": False})["sub"]


def _call(method: str, path: str, body: dict | None = None, account_id: str | None = None) -> dict:
    headers = {**outgoing_headers(), "X-Forwarded-For": request.remote_addr or ""}
    if account_id:
        headers[USER_ID_HEADER] = account_id
    config = current_app.config
    try:
        response = requests.request(
            method,
            config["AUTH_SERVICE_URL"] + path,
            json=body,
            headers=headers,
            timeout=(
                config["UPSTREAM_CONNECT_TIMEOUT_SECONDS"],
                config["UPSTREAM_READ_TIMEOUT_SECONDS"],
            ),
        )
    except requests.RequestException as error:
        raise UpstreamUnavailable(SERVICE) from error
    if response.status_code >= 500:
        raise UpstreamUnavailable(SERVICE)
    payload = _json(response)
    if response.status_code >= 400:
        retry_after = response.headers.get("Retry-After", "")
        raise AuthRejected(
            response.status_code,
            payload.get("errors") or {"request": ["was refused"]},
            int(retry_after) if retry_after.isdigit() else None,
        )
    return payload["user"]


def _json(response: requests.Response) -> dict:
    try:
        payload = response.json()
    except ValueError as error:
        raise UpstreamUnavailable(SERVICE) from error
    return payload if isinstance(payload, dict) else {}
