"""What the JSON API's views (RealWorld, CONTRACT.md part 1) share: the caller, paging, and
cache headers.

Identity comes from X-Titanium-User-Id, set by api_gateway after it verified the token.
"""

import re
import uuid

from flask import Flask, Response, request

from titanium_common.api import INVALID, ApiError
from titanium_common.identity import USER_ID_HEADER
from webapp.ui import PRIVATE_CACHE_CONTROL, shared_with_everyone

DEFAULT_LIMIT = 20
# Larger numbers cannot be stored in a database integer: they are invalid, not a 500.
MAX_INTEGER = 2**31 - 1
_DIGITS = re.compile(r"^[0-9]+$")


def init_app(app: Flask) -> None:
    @app.after_request
    def api_cache_headers(response: Response) -> Response:
        """An anonymous read (the same for every caller without a token) may be kept by the
        gateway's edge cache like an anonymous page; anything a token shaped never."""
        if not request.path.startswith("/api/"):
            return response
        if (
            request.method == "GET"
            and response.status_code == 200
            and USER_ID_HEADER not in request.headers
        ):
            shared_with_everyone(response)
        else:
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response


def optional_viewer_id() -> str | None:
    """None for anonymous callers; a malformed id is an invalid token, as the contract says."""
    value = request.headers.get(USER_ID_HEADER)
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError.one(401, "token", INVALID) from None


def required_viewer_id() -> str:
    viewer_id = optional_viewer_id()
    if viewer_id is None:
        raise ApiError.one(401, "token", "is missing")
    return viewer_id


def paging() -> tuple[int, int]:
    """(limit, offset) from the query string: 422 "is invalid" unless limit >= 1, offset >= 0."""
    return _whole_number("limit", DEFAULT_LIMIT, minimum=1), _whole_number("offset", 0, minimum=0)


def _whole_number(name: str, default: int, *, minimum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.match(raw) or not minimum <= int(raw) <= MAX_INTEGER:
        raise ApiError.one(422, name, INVALID)
    return int(raw)
