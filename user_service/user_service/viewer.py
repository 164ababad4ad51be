"""Who is asking: the account id the gateway verified and passed in X-Titanium-User-Id."""

import uuid

from flask import request

from titanium_common.api import INVALID, ApiError
from titanium_common.identity import USER_ID_HEADER


def parse_uuid(value: str, field: str, status: int = 422) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError.one(status, field, INVALID) from None


def optional_viewer_id() -> uuid.UUID | None:
    """None for anonymous callers; a malformed id is an invalid token, as the contract says."""
    value = request.headers.get(USER_ID_HEADER)
    if value is None:
        return None
    return parse_uuid(value, "token", status=401)


def required_viewer_id() -> uuid.UUID:
    viewer_id = optional_viewer_id()
    if viewer_id is None:
        raise ApiError.one(401, "token", "is missing")
    return viewer_id
