"""One error handler for the whole app, dispatching on the path: the JSON API (/api/...) and the
internal endpoints answer with the RealWorld envelope, pages with the HTML error page
(templates/errors/error.html), which keeps the navbar. A read by an article's old slug is a 301
to the same path with its current slug."""

import contextlib
import json

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, redirect, render_template, request
from werkzeug.exceptions import HTTPException

# The shared library's mapping of routing errors to a field and message (see its docstring).
from titanium_common.api import (
    ApiError,
    _http_error_field,
    database_unavailable,
    error_response,
    http_error_headers,
)
from webapp.articles.service import SlugMoved, all_tags, not_found
from webapp.extensions import db, login_manager
from webapp.ui import NotInList, is_json_request
from webapp.upstream import UpstreamUnavailable

UPSTREAM_STATUS = 503


def init_app(app: Flask) -> None:
    @app.errorhandler(Exception)
    def handle(error: Exception):
        if isinstance(error, SlugMoved):
            if request.method in ("GET", "HEAD"):
                return _moved(error)
            error = not_found()  # a change is never redirected: the client must see the move
        status, errors, headers = _describe(error)
        if is_json_request():
            return error_response(status, errors, headers)
        detail = error.description if isinstance(error, NotInList) else None
        return Response(_error_page(status, detail), status=status, headers=headers)


def _error_page(status: int, detail: str | None = None) -> str:
    """The error page, with the navbar of whoever is signed in when that can still be read; a
    404 offers the tags as places to go instead, when they can be read."""
    # A statement that failed leaves the session unusable until rolled back, and the navbar
    # reads the viewer through it.
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    tags = []
    if status == 404:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            tags = all_tags()
    try:
        return render_template("errors/error.html", status=status, detail=detail, tags=tags)
    except sa.exc.SQLAlchemyError:
        # The database is gone, so the viewer cannot be read either: the page renders signed
        # out (flask-login keeps the request's user in g._login_user) rather than as a 500.
        g._login_user = login_manager.anonymous_user()
        return render_template("errors/error.html", status=status, detail=detail, tags=tags)


def _moved(error: SlugMoved) -> Response:
    segments = [error.slug if part == error.old_slug else part for part in request.path.split("/")]
    query = request.query_string.decode()
    location = "/".join(segments) + (f"?{query}" if query else "")
    response = redirect(location, 301)
    if is_json_request():  # a body a RealWorld client can show, in the error envelope
        response.set_data(json.dumps({"errors": {"slug": [f"moved to {error.slug}"]}}))
        response.mimetype = "application/json"
    return response


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
