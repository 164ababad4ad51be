"""One error handler for the whole app, dispatching on the path: the JSON API (/api/...) and the
internal endpoints answer with the RealWorld envelope, pages with the HTML error page
(templates/errors/error.html), which keeps the navbar."""

from flask import Flask, Response, current_app, render_template
from werkzeug.exceptions import HTTPException

# The shared library's mapping of routing errors to a field and message (see its docstring).
from titanium_common.api import (
    ApiError,
    _http_error_field,
    database_unavailable,
    error_response,
    http_error_headers,
)
from webapp.ui import is_json_request
from webapp.upstream import UpstreamUnavailable

UPSTREAM_STATUS = 503


def init_app(app: Flask) -> None:
    @app.errorhandler(Exception)
    def handle(error: Exception):
        status, errors, headers = _describe(error)
        if is_json_request():
            return error_response(status, errors, headers)
        return Response(
            render_template("errors/error.html", status=status), status=status, headers=headers
        )


def _describe(error: Exception) -> tuple[int, dict[str, list[str]], dict]:
    error = database_unavailable(error) or error
    if isinstance(error, ApiError):
        return error.status, error.errors, error.headers
    if isinstance(error, UpstreamUnavailable):
        return UPSTREAM_STATUS, {"upstream": [f"{error.service} is unavailable"]}, {}
    if isinstance(error, HTTPException):
        field, message = _http_error_field(error)
        return error.code or 500, {field: [message]}, http_error_headers(error)
    current_app.logger.exception("unhandled error")
    return 500, {"server": ["internal error"]}, {}
