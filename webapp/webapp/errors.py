"""One error handler for the whole app, dispatching on the path: the JSON API (/api/...) answers
with the RealWorld envelope, pages with an HTML error page (pages.py may replace `render_page`)."""

from collections.abc import Callable

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

# The shared library's mapping of routing errors to a field and message (see its docstring).
from titanium_common.api import ApiError, _http_error_field, error_response
from webapp.profiles.client import UpstreamUnavailable

API_PREFIX = "/api/"
UPSTREAM_STATUS = 503

PageRenderer = Callable[[int, Exception], object]
"""Builds the HTML response for a page error: (status, error) -> response."""


def _default_page(status: int, error: Exception):
    http_error = error if isinstance(error, HTTPException) else InternalServerError()
    response = http_error.get_response()
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.extensions["render_error_page"] = _default_page

    @app.errorhandler(Exception)
    def handle(error: Exception):
        status, errors, headers = _describe(error)
        if request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"):
            return error_response(status, errors, headers)
        return current_app.extensions["render_error_page"](status, error)


def set_page_renderer(app: Flask, render_page: PageRenderer) -> None:
    """The UI's own error pages (templates/errors/<code>.html)."""
    app.extensions["render_error_page"] = render_page


def _describe(error: Exception) -> tuple[int, dict[str, list[str]], dict]:
    if isinstance(error, ApiError):
        return error.status, error.errors, error.headers
    if isinstance(error, UpstreamUnavailable):
        return UPSTREAM_STATUS, {"upstream": [f"{error.service} is unavailable"]}, {}
    if isinstance(error, HTTPException):
        field, message = _http_error_field(error)
        return error.code or 500, {field: [message]}, {}
    current_app.logger.exception("unhandled error")
    return 500, {"server": ["internal error"]}, {}
