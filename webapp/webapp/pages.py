"""The web UI's wiring: CSRF on forms and htmx, htmx, security and cache headers, and template
filters. Blueprints are registered by create_app, errors by webapp.errors."""

from urllib.parse import urlsplit

from flask import Flask, Response, g, request, session
from flask_login import current_user

from webapp import fragments, markdown
from webapp.extensions import csrf, htmx
from webapp.idempotency import new_key
from webapp.ui import (
    PRIVATE_CACHE_CONTROL,
    avatar_url,
    is_page_request,
    page_of_title,
    public_url,
    shared_with_everyone,
)

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
# Served over HTTPS: browsers must never again come over plain HTTP (a year, as is usual).
HTTPS_HEADERS = {"Strict-Transport-Security": "max-age=31536000"}


def init_app(app: Flask) -> None:
    https = _public_scheme(app.config["PUBLIC_URL"]) == "https"
    # Flask's defaults hold these keys (SameSite None, Secure False): they are set, not defaulted.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    # Checked in `protect_forms` so the JSON API (token auth, no cookies) is never asked for one.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A token lives as long as the session: an editor left open for hours still saves.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)
    htmx.init_app(app)
    _init_request_hooks(app, {**SECURITY_HEADERS, **(HTTPS_HEADERS if https else {})})
    _init_templates(app)


def _public_scheme(public_url: str) -> str:
    parts = urlsplit(public_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"PUBLIC_URL must be http(s)://<host>, not {public_url!r}")
    return parts.scheme


def _init_request_hooks(app: Flask, security_headers: dict[str, str]) -> None:
    @app.before_request
    def protect_forms():
        if (
            is_page_request()
            and request.method in UNSAFE_METHODS
            and app.config.get("WTF_CSRF_ENABLED", True)
        ):
            csrf.protect()

    @app.after_request
    def page_headers(response: Response) -> Response:
        # setdefault: a view with stricter headers of its own (media.serve) keeps them.
        for name, value in security_headers.items():
            response.headers.setdefault(name, value)
        if is_page_request():
            _set_cache_headers(response)
        return response


def _set_cache_headers(response: Response) -> None:
    response.vary.add("HX-Request")
    response.vary.add("HX-History-Restore-Request")  # htmx gets the whole page for these
    cacheable = (
        g.get("public_page")
        and request.method == "GET"
        and response.status_code == 200
        and current_user.is_anonymous
        and not session.modified
    )
    if not cacheable:
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return
    shared_with_everyone(response)


def _init_templates(app: Flask) -> None:
    app.jinja_env.filters.update(avatar=avatar_url, markdown=markdown.render)
    # Macros imported by templates see globals, not the per-render context.
    app.jinja_env.globals["current_user"] = current_user
    # A creating form carries a key made for its rendering: a double submit creates once.
    app.jinja_env.globals["new_idempotency_key"] = new_key
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.globals["kept_fragment"] = fragments.kept
    app.jinja_env.globals["page_of_title"] = page_of_title

    @app.context_processor
    def site():
        return {"site_name": app.config["SITE_NAME"]}
