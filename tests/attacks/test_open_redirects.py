"""Open redirects: every place that redirects after a form (sign-in, sign-up, favorite, follow)
ignores or refuses a return address that a browser would take off-site, however it is spelled:
scheme-relative, backslashes, tabs and newlines the URL parser strips, encoded slashes,
`javascript:` and `data:` URLs. The address is judged as a browser resolves it."""

import re
from urllib.parse import quote

import pytest

from tests.support import unique
from tests.web import PASSWORD, Browser, form_fields

VARIANTS = [
    "//evil.test",
    "//evil.test/",
    "///evil.test/",
    "////evil.test/",
    "/////evil.test/",
    "/\\evil.test",
    "\\\\evil.test",
    "/\\/evil.test/",
    "\\/evil.test",
    "/%2F%2Fevil.test",
    "%2F%2Fevil.test",
    "/%5Cevil.test",
    "/\t/evil.test",
    "/\n/evil.test",
    "/\r\n/evil.test",
    "\t//evil.test",
    " //evil.test",
    "//evil.test\t",
    "https:evil.test",
    "https:/evil.test",
    "https://evil.test",
    "http:\\\\evil.test",
    "HTTPS://evil.test",
    "//evil.test@127.0.0.1",
    "//127.0.0.1@evil.test",
    "evil.test",
    "@evil.test",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]
# What a browser's URL parser (WHATWG URL) drops before reading a URL: leading and trailing C0
# controls and spaces, and every tab and newline anywhere.
STRIPPED_AT_THE_ENDS = "".join(chr(code) for code in range(0x21))
TAB_OR_NEWLINE = re.compile("[\t\n\r]")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def where_a_browser_goes(site: str, location: str) -> tuple[str, str]:
    """(scheme, host) of what a browser on `site` (http) loads for this Location or HX-Redirect,
    read as the WHATWG URL parser reads it: backslashes are slashes in http(s) URLs, the
    site's own scheme followed by no slashes is a relative path, and two or more slashes start
    a host, however many there are."""
    url = TAB_OR_NEWLINE.sub("", location.strip(STRIPPED_AT_THE_ENDS))
    site_scheme, site_host = site.split("://", 1)
    if scheme := SCHEME.match(url):
        if scheme[1].lower() != site_scheme:
            return scheme[1].lower(), "elsewhere"
        url = url[scheme.end() :]
    url = url.replace("\\", "/")
    after_slashes = url.lstrip("/")
    if len(url) - len(after_slashes) >= 2:
        return site_scheme, re.split(r"[/?#]", after_slashes, maxsplit=1)[0].lower()
    return site_scheme, site_host


def assert_stays_on(site: str, response) -> None:
    location = response.headers.get("Location") or response.headers.get("HX-Redirect")
    assert location is not None, (response.status_code, response.text[:300])
    assert where_a_browser_goes(site, location) == where_a_browser_goes(site, "/"), location


def send_form(browser: Browser, page: str, action: str, to: str, headers=None, **fields):
    """The form posting to `action` on `page`, filled with `fields`, sent to `to`."""
    form = next(
        form for form in browser.page(page).select("form") if form.attrs.get("action") == action
    )
    values = [(name, value) for name, value in form_fields(form) if name not in fields]
    return browser.post(to, [*values, *fields.items()], headers=headers or {})


@pytest.fixture(scope="module")
def writer(stack) -> Browser:
    browser = Browser(stack.url)
    browser.register()
    return browser


@pytest.fixture(scope="module")
def reader(stack) -> Browser:
    """Favorites and follows, then takes them back: every variant starts from the same state."""
    browser = Browser(stack.url)
    browser.register()
    return browser


@pytest.fixture(scope="module")
def slug(writer) -> str:
    return writer.publish()


def test_the_judge_tells_off_site_from_on_site():
    site = "http://127.0.0.1:8080"

    here = ("http", "127.0.0.1:8080")

    assert where_a_browser_goes(site, "/profile/ada?next=//evil.test") == here
    assert where_a_browser_goes(site, "http:evil.test") == here
    assert where_a_browser_goes(site, "/\t/evil.test") == ("http", "evil.test")
    assert where_a_browser_goes(site, "////evil.test/") == ("http", "evil.test")
    assert where_a_browser_goes(site, "/\\evil.test") == ("http", "evil.test")
    assert where_a_browser_goes(site, "HTTP://evil.test") == ("http", "evil.test")
    assert where_a_browser_goes(site, "https:evil.test") == ("https", "elsewhere")
    assert where_a_browser_goes(site, " javascript:alert(1)") == ("javascript", "elsewhere")


@pytest.mark.parametrize("target", VARIANTS)
def test_sign_in_and_sign_up_never_send_the_browser_off_site(stack, api, target):
    """Sign-in as a plain form post (answered with Location), sign-up as htmx sends it
    (answered with HX-Redirect): `next` in the query and in the form."""
    person = api.register()
    login_to = f"/login?next={quote(target)}"
    register_to = f"/register?next={quote(target)}"
    name = unique("r")

    signed_in = send_form(
        Browser(stack.url),
        login_to,
        "/login",
        login_to,
        email=person["email"],
        password=person["password"],
        next=target,
    )
    signed_up = send_form(
        Browser(stack.url),
        register_to,
        "/register",
        register_to,
        {"HX-Request": "true"},
        username=name,
        email=f"{name}@example.test",
        password=PASSWORD,
        next=target,
    )

    assert "HX-Redirect" in signed_up.headers
    assert_stays_on(stack.url, signed_in)
    assert_stays_on(stack.url, signed_up)


@pytest.mark.parametrize("target", VARIANTS)
def test_favorite_and_follow_never_send_the_browser_off_site(stack, writer, reader, slug, target):
    article, profile = f"/article/{slug}", f"/profile/{writer.username}"

    answers = [
        send_form(reader, article, f"{article}/favorite", f"{article}/favorite", next=target),
        send_form(reader, article, f"{article}/unfavorite", f"{article}/unfavorite", next=target),
        send_form(reader, profile, f"{profile}/follow", f"{profile}/follow", next=target),
        send_form(reader, profile, f"{profile}/unfollow", f"{profile}/unfollow", next=target),
    ]

    for answer in answers:
        assert answer.status_code == 303, answer.text[:300]
        assert_stays_on(stack.url, answer)
