"""Cross-cutting page behaviour: CSRF, security and cache headers, navbar, static files."""

import base64
import hashlib
import re
from pathlib import Path

from webapp.articles import service

from .support import csrf_token

STATIC = Path(__file__).parents[1] / "webapp" / "static"


def test_forms_without_a_csrf_token_are_refused(csrf_client, people, write):
    article = write(people("author"))

    response = csrf_client.post("/login", data={"email": "a@example.test", "password": "p"})
    favorite = csrf_client.post(f"/article/{article.slug}/favorite")

    assert response.status_code == 400
    assert b"This form has expired" in response.data
    assert b'class="navbar"' in response.data
    assert favorite.status_code == 400


def test_forms_and_htmx_with_the_token_pass(csrf_client, auth_service, people, write):
    token = csrf_token(csrf_client)

    response = csrf_client.post(
        "/login", data={"email": "nobody@example.test", "password": "p", "csrf_token": token}
    )
    htmx = csrf_client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})

    assert response.status_code == 422  # reached the handler: wrong credentials
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"] == "/"


def test_the_json_api_needs_no_csrf_token(csrf_client):
    assert csrf_client.post("/api/articles", json={}).status_code == 401


def test_security_headers_are_on_every_page(client):
    response = client.get("/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_carry_no_inline_script(client):
    html = client.get("/").data.decode()

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert " on" not in "".join(re.findall(r"<[a-z]+ [^>]*>", html)).replace(" one", "")


def test_anonymous_pages_are_publicly_cacheable_without_cookies(client, people, write):
    article = write(people("cached"), tagList=["x"])

    for path in ("/", f"/article/{article.slug}", "/feed.xml", "/tag/x"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=30", path
        assert "HX-Request" in response.headers["Vary"]
        assert "Set-Cookie" not in response.headers
        assert response.headers["ETag"]


def test_an_unchanged_page_answers_304(client):
    etag = client.get("/").headers["ETag"]

    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_signed_in_and_form_pages_are_private(client, people, sign_in):
    assert client.get("/login").headers["Cache-Control"] == "private, no-store"
    sign_in(people("private"))

    response = client.get("/")

    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_the_signed_in_navbar_marks_the_current_page(client, people, sign_in):
    me = sign_in(people("nav"))

    html = client.get("/editor").data

    assert b'<a class="nav-link active" href="/editor" aria-current="page">' in html
    assert (
        f'<a class="nav-link" href="/profile/{me.username}"><img class="user-pic"'.encode() in html
    )
    assert b"hx-headers" in html  # CSRF for htmx requests


def test_anonymous_pages_do_not_start_a_session(client):
    html = client.get("/").data

    assert b"hx-headers" not in html
    assert b'<a class="nav-link" href="/register">Sign up</a>' in html


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert b"Nothing here" in response.data
    assert b'class="navbar"' in response.data


def test_an_unexpected_error_is_a_500_page(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "list_articles", broken)

    response = client.get("/")

    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"boom" not in response.data


def test_the_vendored_htmx_matches_its_recorded_integrity(client):
    readme = (STATIC / "vendor" / "README.md").read_text()
    recorded = re.search(r"`(sha384-[A-Za-z0-9+/=]+)`", readme).group(1)
    digest = hashlib.sha384((STATIC / "vendor" / "htmx" / "htmx.min.js").read_bytes()).digest()

    assert recorded == "sha384-" + base64.b64encode(digest).decode()
    assert (STATIC / "vendor" / "htmx" / "LICENSE").exists()


def test_the_default_avatar_and_styles_are_served(client):
    with client.get("/static/default-avatar.svg") as avatar:
        assert avatar.status_code == 200
    with client.get("/static/css/titanium.css") as response:
        css = response.data
    # Light and dark: the system's choice, or the reader's (js/theme.js sets data-theme).
    assert b"color-scheme: light dark;" in css
    assert b':root[data-theme="dark"] { color-scheme: dark; }' in css
    # An empty icon hook (app.js's tag pills) still draws its icon.
    assert b'[class*=" ion-"]:empty::before' in css


def test_highlighted_code_has_a_light_and_a_dark_theme_and_code_sizes_match(client):
    with client.get("/static/css/titanium.css") as response:
        css = response.text

    # Keywords: Pygments' "xcode" colour in light, "github-dark" in dark.
    keywords = r"\.highlight :is\([^)]*\.k,[^)]*\) \{ color: light-dark\(#A90D91, #FF7B72\)"
    assert re.search(keywords, css)
    block_size = re.search(r"\.article-content pre, #preview pre \{\s*font: ([.\d]+em)/", css)
    inline_size = re.search(
        r"\.article-content code, #preview code \{[^}]*font-size: ([.\d]+em)", css
    )
    assert block_size.group(1) == inline_size.group(1)


def _title(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return re.search(r"<title>(.*)</title>", response.text).group(1)


def test_every_list_page_has_a_title_of_its_own_and_page_two_says_so(client, people, write):
    author = people("titled")
    for _ in range(11):
        write(author, tagList=["zebras"], body="About zebras.")
    paths = {
        "/": "Titanium",
        "/?page=2": "Page 2 · Titanium",
        "/tag/zebras": "#zebras · Titanium",
        "/tag/zebras?page=2": "#zebras · Page 2 · Titanium",
        f"/profile/{author.username}": f"{author.username} · Titanium",
        f"/profile/{author.username}?page=2": f"{author.username} · Page 2 · Titanium",
        f"/profile/{author.username}/favorites": f"Favorited by {author.username} · Titanium",
        "/search?q=zebras": "zebras · Search · Titanium",
        "/search?q=zebras&page=2": "zebras · Search · Page 2 · Titanium",
    }

    assert {path: _title(client, path) for path in paths} == paths
