"""The web UI's wiring: sessions, CSRF, htmx, security and cache headers, error pages, blueprints.

Identity: the flask-login session holds only the account id; every request resolves it to a
profile through user_service (one batched call, cached there). A session whose account no longer
has a profile is cleared, so the page renders signed out.
"""

import functools
import math
from urllib.parse import urlsplit

from flask import Flask, Response, g, make_response, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from titanium_common.caching import UNCHANGED_HEADER
from webapp import errors, markdown
from webapp.profiles import client as profiles

PAGE_SIZE = 10
DEFAULT_AVATAR = "default-avatar.svg"
API_PREFIX = "/api/"
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
# The gateway's edge cache may keep an anonymous page this long (it is purged on every write).
PUBLIC_CACHE_CONTROL = "public, max-age=0, s-maxage=30"
PRIVATE_CACHE_CONTROL = "private, no-store"

login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()


class SignedInUser(UserMixin):
    """The viewer behind the session: the account id plus what the navbar shows."""

    def __init__(self, profile: profiles.Profile):
        self.id = profile.id
        self.username = profile.username
        self.image = profile.image


@login_manager.user_loader
def load_user(account_id: str) -> SignedInUser | None:
    try:
        profile = profiles.profiles_by_ids([account_id], None).get(account_id)
    except profiles.UpstreamUnavailable as error:
        g.identity_error = error  # raised by `resolve_identity`, outside flask-login
        return None
    if profile is None:
        session.clear()  # the account is gone: render signed out from now on
        return None
    return SignedInUser(profile)


@login_manager.unauthorized_handler
def send_to_login():
    # The contract wants exactly /login (no ?next=); htmx must change the real URL.
    return redirect_to(url_for("accounts.login"))


def viewer_id() -> str | None:
    return current_user.id if current_user.is_authenticated else None


def changes_no_page(view):
    """For writes that change nothing any reader's page shows (sign-in, preview): the gateway's
    edge cache keeps its pages instead of forgetting them all (titanium_common.caching)."""

    @functools.wraps(view)
    def marked(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers[UNCHANGED_HEADER] = "1"
        return response

    return marked


def redirect_to(location: str) -> Response:
    """303 after a form POST; htmx gets HX-Redirect so the browser's URL really changes."""
    if request.htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = location
        return response
    response = Response(status=303)
    response.headers["Location"] = location
    return response


def local_url(candidate: str | None, fallback: str) -> str:
    """A return address from a form, kept only if it stays on this site (no open redirect)."""
    if not candidate:
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not candidate.startswith("/") or "\\" in candidate:
        return fallback
    return candidate


def is_partial_request() -> bool:
    """htmx swapping a fragment (a history restore after a cache miss needs the full page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def public_page(view):
    """Marks a GET view whose anonymous response the edge cache may keep."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.public_page = True
        return view(*args, **kwargs)

    return wrapper


# Far beyond any real list; keeps (page - 1) * PAGE_SIZE within every database's integers.
MAX_PAGE = 100_000


def page_number() -> int:
    """`?page=N` (1-based); anything unusable means the first page, anything huge the last."""
    page = request.args.get("page", type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def page_count(total: int) -> int:
    return max(math.ceil(total / PAGE_SIZE), 1)


def avatar_url(image: str | None) -> str:
    """A stored http(s) URL exactly as given; anything else is the default avatar."""
    if image and urlsplit(image).scheme in {"http", "https"}:
        return image
    return url_for("static", filename=DEFAULT_AVATAR)


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    # Checked in `protect_forms` so the JSON API (token auth, no cookies) is never asked for one.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A token lives as long as the session: an editor left open for hours still saves.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    errors.set_page_renderer(app, render_error_page)
    _init_request_hooks(app)
    _init_templates(app)
    _register_blueprints(app)


def _register_blueprints(app: Flask) -> None:
    from webapp.accounts.views import bp as accounts_bp
    from webapp.article.views import bp as article_bp
    from webapp.editor.views import bp as editor_bp
    from webapp.feeds.views import bp as feeds_bp
    from webapp.home.views import bp as home_bp
    from webapp.profile.views import bp as profile_bp

    for blueprint in (home_bp, accounts_bp, article_bp, editor_bp, profile_bp, feeds_bp):
        app.register_blueprint(blueprint)


def _is_page_request() -> bool:
    return request.endpoint not in {None, "static"} and not request.path.startswith(API_PREFIX)


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def resolve_identity():
        if not _is_page_request():
            return
        if current_user.is_anonymous and (error := g.pop("identity_error", None)):
            raise error  # user_service is down: an error page beats a silent sign-out
        if request.method in UNSAFE_METHODS and app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()

    @app.after_request
    def page_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if _is_page_request():
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
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    response.add_etag()
    response.make_conditional(request)


def _init_templates(app: Flask) -> None:
    from webapp.articles.service import reading_minutes

    app.jinja_env.filters.update(
        avatar=avatar_url, markdown=markdown.render, reading_minutes=reading_minutes
    )
    # Macros imported by templates see globals, not the per-render context.
    app.jinja_env.globals["current_user"] = current_user

    @app.context_processor
    def site():
        return {"site_name": app.config["SITE_NAME"]}


def render_error_page(status: int, error: Exception):
    """Every error keeps the navbar; unknown articles and profiles say so in their own wrapper."""
    return Response(render_template("errors/error.html", status=status), status=status)
