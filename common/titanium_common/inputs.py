"""The text rule (titanium_common.text) applied where a Flask service reads a request: path,
query and headers before any view runs, JSON bodies as they are parsed. Form fields are checked
with the fields they belong to (FieldErrors), so a page can show the message beside the field.
"""

import json
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from titanium_common.api import ApiError
from titanium_common.text import NOT_ALLOWED, is_clean, json_problem

BAD_INPUT_STATUS = 400


class CheckedJSONProvider(DefaultJSONProvider):
    """Parses request bodies into documents every service can store and answer with: a refused
    string or too deep a nesting is the contract's 422, never a RecursionError or a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            document = json.loads(s, **kwargs)
        except RecursionError:
            raise ApiError.one(422, "body", "is nested too deeply") from None
        if (problem := json_problem(document)) is not None:
            field, message = problem
            raise ApiError.one(422, field, message)
        return document


def init_app(app: Flask) -> None:
    app.json = CheckedJSONProvider(app)
    app.json.mimetype = "application/json; charset=utf-8"

    @app.before_request
    def refuse_unclean_text():
        if not is_clean(request.path):
            raise ApiError.one(BAD_INPUT_STATUS, "path", NOT_ALLOWED)
        for name, value in request.args.items(multi=True):
            if not is_clean(name + value):
                raise ApiError.one(BAD_INPUT_STATUS, "query", NOT_ALLOWED)
        for name, value in request.headers.items():
            if not is_clean(value):
                raise ApiError.one(BAD_INPUT_STATUS, name, NOT_ALLOWED)
