"""The RealWorld error envelope and request-body reading shared by the JSON APIs.

Every error a JSON endpoint returns is `{"errors": {"<field or resource>": ["<message>"]}}`.
"""

from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from titanium_common.text import NOT_ALLOWED, is_clean, too_long

BLANK = "can't be blank"
INVALID = "is invalid"


class ApiError(Exception):
    """An error that becomes a RealWorld error response."""

    def __init__(self, status: int, errors: dict[str, list[str]], headers: dict | None = None):
        super().__init__(status, errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def one(cls, status: int, field: str, message: str, headers: dict | None = None) -> "ApiError":
        return cls(status, {field: [message]}, headers)


def database_unavailable(error: Exception) -> "ApiError | None":
    """A database that did not answer (restarting, failing over, locked) as a 503 to retry,
    never a 500; None for any other error."""
    if isinstance(error, sa.exc.DBAPIError) and (
        error.connection_invalidated or isinstance(error, sa.exc.OperationalError)
    ):
        current_app.logger.warning("database unavailable", extra={"error": str(error)[:200]})
        return ApiError.one(503, "database", "is unavailable, retry", {"Retry-After": "1"})
    return None


def error_response(status: int, errors: dict[str, list[str]], headers: dict | None = None):
    response = jsonify(errors=errors)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def http_error_headers(error: HTTPException) -> dict[str, str]:
    """What a routing error must say besides its status: the Allow of a 405 (RFC 9110 15.5.6)."""
    return {name: value for name, value in error.get_headers() if name == "Allow"}


def _http_error_field(error: HTTPException) -> tuple[str, str]:
    return {
        404: ("path", "not found"),
        405: ("method", "not allowed"),
        413: ("body", "is too large"),
        415: ("body", "must be JSON"),
    }.get(error.code or 500, ("request", (error.name or "error").lower()))


def register_json_errors(app: Flask) -> None:
    """Make every error a RealWorld JSON error; unexpected ones are logged, never shown."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error.status, error.errors, error.headers)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        field, message = _http_error_field(error)
        return error_response(error.code or 500, {field: [message]}, http_error_headers(error))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if (unavailable := database_unavailable(error)) is not None:
            return handle_api_error(unavailable)
        current_app.logger.exception("unhandled error")
        return error_response(500, {"server": ["internal error"]})


def read_wrapped_json(wrapper: str) -> dict:
    """Return the object under `wrapper` in the JSON body, or raise the contract's 422."""
    payload = request.get_json(silent=True, force=True)
    if payload is None and request.get_data(cache=True):
        raise ApiError.one(422, "body", INVALID)
    inner = payload.get(wrapper) if isinstance(payload, dict) else None
    if not isinstance(inner, dict):
        raise ApiError.one(422, wrapper, BLANK)
    return inner


class FieldErrors:
    """Collects every invalid field of one request so the 422 names them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def required_text(self, data: dict, field: str, max_length: int) -> str | None:
        """A string that must be present and not blank; returns it stripped, or None on error."""
        value = data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(field, BLANK)
            return None
        return self.text(field, value, max_length)

    def optional_text(self, data: dict, field: str, max_length: int) -> str | None:
        """A nullable string; `""` and whitespace are normalised to None."""
        value = data.get(field)
        if value is None:
            return None
        return self.text(field, value, max_length) or None

    def text(self, field: str, value: Any, max_length: int) -> str | None:
        """`value` stripped if it is a string of allowed characters (titanium_common.text) no
        longer than `max_length` once stripped, else None and the field's error."""
        if not isinstance(value, str):
            self.add(field, INVALID)
            return None
        if not is_clean(value):
            self.add(field, NOT_ALLOWED)
            return None
        if len(stripped := value.strip()) > max_length:
            self.add(field, too_long(max_length))
            return None
        return stripped

    def raise_if_any(self, status: int = 422) -> None:
        if self.errors:
            raise ApiError(status, self.errors)
