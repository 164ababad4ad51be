"""The one client webapp calls its upstreams (auth_service, user_service) with.

One pooled session per app; every call has short timeouts and carries the request's correlation
headers, and an upstream that does not answer, times out or fails (5xx) is UpstreamUnavailable,
so a page answers 503 quickly instead of hanging. 4xx replies are the caller's to read.
"""

from typing import Any

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter

from titanium_common.context import note_change, outgoing_headers
from titanium_common.identity import USER_ID_HEADER

EXTENSION_KEY = "upstream_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where each upstream lives: the setting that holds its base URL.
BASE_URL_SETTINGS = {"auth_service": "AUTH_SERVICE_URL", "user_service": "USER_SERVICE_URL"}


class UpstreamUnavailable(Exception):
    """An upstream did not answer, timed out, failed (5xx) or answered something unreadable."""

    def __init__(self, service: str, detail: str = "") -> None:
        super().__init__(f"{service} is unavailable: {detail}")
        self.service = service


def init_app(app: Flask) -> None:
    session = requests.Session()
    # Calls between the services go straight to them: never through an HTTP_PROXY the
    # environment names (reading it cost ~0.6 ms of CPU per call).
    session.trust_env = False
    # gunicorn runs a few threads per worker at most; keep that many connections warm.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    app.extensions[EXTENSION_KEY] = session


def call(
    service: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: Any = None,
    account_id: str | None = None,
    headers: dict[str, str] | None = None,
    read_timeout: float | None = None,
) -> requests.Response:
    """`service`'s reply to one request; `account_id` is sent as the verified caller;
    `read_timeout` replaces UPSTREAM_READ_TIMEOUT_SECONDS (slow work such as password hashing)."""
    config = current_app.config
    sent_headers = {**outgoing_headers(), **(headers or {})}
    if account_id is not None:
        sent_headers[USER_ID_HEADER] = str(account_id)
    try:
        response = current_app.extensions[EXTENSION_KEY].request(
            method,
            config[BASE_URL_SETTINGS[service]].rstrip("/") + path,
            json=json,
            params=params,
            headers=sent_headers,
            timeout=(
                config["UPSTREAM_CONNECT_TIMEOUT_SECONDS"],
                read_timeout or config["UPSTREAM_READ_TIMEOUT_SECONDS"],
            ),
        )
    except requests.RequestException as error:
        if method not in SAFE_METHODS:
            note_change()  # it may have been done, unheard
        raise UpstreamUnavailable(service, type(error).__name__) from error
    if method not in SAFE_METHODS and not 400 <= response.status_code < 500:
        note_change()  # a write upstream that was not refused: this request changed data
    if response.status_code >= 500:
        raise UpstreamUnavailable(service, f"HTTP {response.status_code}")
    return response


def json_body(service: str, response: requests.Response) -> dict[str, Any]:
    """The reply's JSON object; anything else means the upstream is broken."""
    try:
        payload = response.json()
    except ValueError as error:
        raise UpstreamUnavailable(service, "reply is not JSON") from error
    if not isinstance(payload, dict):
        raise UpstreamUnavailable(service, "reply is not a JSON object")
    return payload
