"""What the web UI's views share: redirects, return addresses, htmx partials, paging, avatars,
error lines, and the marks that tell the gateway's edge cache what it may keep.

Imports no view: every blueprint may use it.
"""

import functools
import math
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import NotFound

from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.text import NOT_A_WEB_URL
from webapp import surrogate

PAGE_SIZE = 10
# Far beyond any real list; keeps (page - 1) * PAGE_SIZE within every database's integers.
MAX_PAGE = 100_000
DEFAULT_AVATAR = "default-avatar.svg"
# Files, not pages: they set their own cache headers (an uploaded image is immutable).
FILE_ENDPOINTS = {None, "static", "media.serve", "site_files.favicon"}
# JSON, not pages: the public API and what other services deliver (auth_service's outbox).
JSON_PREFIXES = ("/api/", "/internal/")
# The gateway's edge cache may keep what every anonymous reader gets alike (a page, an API read)
# this long; a write purges it when it changes what the reply shows (ADR 0005, ADR 0023).
PUBLIC_CACHE_CONTROL = "public, max-age=0, s-maxage=30"
PRIVATE_CACHE_CONTROL = "private, no-store"
# auth_service's keys mapped to what a person should read.
FRIENDLY_ERRORS = {
    ("credentials", "invalid"): "email or password is invalid",
    ("image", NOT_A_WEB_URL): "Profile picture URL must start with http:// or https://",
}


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a page as readers reach it: PUBLIC_URL, never the Host or
    X-Forwarded-Host a client sent (a cached page or feed would send everyone there)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def is_page_request() -> bool:
    """A request for a page of the web UI (not the JSON API, not a static or uploaded file)."""
    return request.endpoint not in FILE_ENDPOINTS and not is_json_request()


def is_json_request() -> bool:
    """A request for the JSON API or an internal endpoint: errors are JSON, no CSRF token."""
    return request.path.startswith(JSON_PREFIXES) or request.path == "/api"


def is_partial_request() -> bool:
    """htmx swapping a fragment (a history restore after a cache miss needs the full page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def page_or_part(page_template: str, part_template: str, **context) -> str:
    """The whole page, or for an htmx swap only its changing part headed by the page's <title>:
    htmx sets the tab's title from it, so page 2 of a list is not left titled as page 1."""
    if not is_partial_request():
        return render_template(page_template, **context)
    page = current_app.jinja_env.get_template(page_template)
    current_app.update_template_context(context)
    title = "".join(page.blocks["title"](page.new_context(context)))
    return f"<title>{title}</title>" + render_template(part_template, **context)


def page_of_title(page: int | None) -> str:
    """In a <title>: page 2 of a list is not page 1 to a tab, a bookmark or a search engine."""
    return f"Page {page} · " if page and page > 1 else ""


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
    """A return address from a form, kept only if it is a path on this site (no open redirect).

    Browsers read any run of leading slashes or backslashes as the start of another host and
    drop tabs and newlines before reading a URL, so one leading "/" with no control character,
    space or backslash anywhere is the only shape kept.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return fallback
    if "\\" in candidate or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in candidate):
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return fallback
    return candidate


# Where sign-in or sign-up sends the person afterwards: kept in the session, since the
# contract fixes the sign-in redirect to exactly /login (no ?next=).
DESTINATION_KEY = "next"
# Pages that are no place to come back to after signing in.
NOT_DESTINATIONS = ("/login", "/register", "/logout", "/forgot-password", "/reset-password")


def remember_destination(path: str | None = None) -> None:
    """Sign-in or sign-up will return to `path` (default: this GET request's page), if it is a
    page of this site worth returning to."""
    if path is None:
        if request.method != "GET":
            return
        path = request.full_path.rstrip("?")
    destination = local_url(path, "")
    if destination and not destination.split("?", 1)[0].startswith(NOT_DESTINATIONS):
        session[DESTINATION_KEY] = destination


def take_destination() -> str:
    """The page remembered by `remember_destination` (once), else exactly "/" (the contract)."""
    destination = session.pop(DESTINATION_KEY, None)
    return local_url(destination if isinstance(destination, str) else None, "/")


def public_page(view):
    """Marks a GET view whose anonymous response the edge cache may keep."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.public_page = True
        return view(*args, **kwargs)

    return wrapper


def shared_with_everyone(response: Response) -> None:
    """Mark a reply every anonymous reader gets alike: the edge cache may keep it, until a write
    changes what it shows (webapp.surrogate), and its ETag lets a client revalidate (304)."""
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    surrogate.tag_reply(response)
    response.add_etag()
    response.make_conditional(request)


def changes_no_page(view):
    """For writes that change nothing any reader's page shows (sign-in, preview): the gateway's
    edge cache keeps its pages instead of forgetting them all (titanium_common.caching)."""

    @functools.wraps(view)
    def marked(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers[UNCHANGED_HEADER] = "1"
        return response

    return marked


def page_number() -> int:
    """`?page=N` (1-based); anything unusable means the first page, anything huge the last."""
    page = request.args.get("page", type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def page_count(total: int) -> int:
    return max(math.ceil(total / PAGE_SIZE), 1)


class NotInList(NotFound):
    """A list page that does not exist (a page past the last, a tag no published article has):
    its error page says why, in `description`, and offers the home page and the tags."""


def require_page(page: int, pages: int) -> None:
    """A page past the last is a 404, not an empty list a crawler would keep (page 1 of an empty
    list is still a page: it says the list is empty and what to do)."""
    if page > pages:
        raise NotInList(f"This list ends at page {pages}: there is no page {page}.")


def avatar_url(image: str | None) -> str:
    """A stored http(s) URL exactly as given; anything else is the default avatar."""
    if image and urlsplit(image).scheme in {"http", "https"}:
        return image
    return url_for("static", filename=DEFAULT_AVATAR)


def error_lines(errors: dict[str, list[str]]) -> list[str]:
    """RealWorld errors as the UI shows them: "<field> <message>", one line each."""
    return [
        FRIENDLY_ERRORS.get((field, message), f"{field} {message}")
        for field, messages in errors.items()
        for message in messages
    ]
