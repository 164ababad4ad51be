"""What every reply says about itself and what the edge shows, on the running stack: cookie and
transport headers, JSON reply headers, the internal surfaces, Allow on 405, the public host from
configuration, malformed requests in the logs."""

import re
import socket

import pytest
import requests

from tests.support import start_stack, stop_stack
from titanium_common.testing import configured_backends

INTERNAL_PATHS = ["/readyz", "/metrics", "/openapi.json"]
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
HTTPS_PUBLIC_URL = "https://blog.titanium.test"


def session_cookie(response) -> str:
    cookies = [c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


@pytest.fixture(scope="module", params=configured_backends(), ids=lambda backend: backend.name)
def https_stack(request, tmp_path_factory):
    """A stack whose readers come over HTTPS (TLS ends before the gateway, as in the chart)."""
    running = start_stack(
        request.param, tmp_path_factory.mktemp("https"), env={"PUBLIC_URL": HTTPS_PUBLIC_URL}
    )
    yield running
    stop_stack(running)


def test_over_http_the_session_cookie_is_samesite_lax_and_not_secure(stack):
    response = requests.get(f"{stack.url}/login", timeout=10)

    cookie = session_cookie(response)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_over_https_the_session_cookie_is_secure_and_hsts_is_sent(https_stack):
    page = requests.get(f"{https_stack.url}/login", timeout=10)
    api = requests.get(f"{https_stack.url}/api/tags", timeout=10)

    cookie = session_cookie(page)
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    for response in (page, api):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_absolute_links_carry_the_public_url_never_the_host_a_client_sent(https_stack):
    # Past the edge cache (a session cookie): what webapp itself builds for a forged host.
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Cookie": "session=x"}
    for path in ("/feed.xml", "/sitemap.xml", "/tag/titanium/feed.xml"):
        text = requests.get(f"{https_stack.url}{path}", headers=forged, timeout=10).text

        assert "evil.example" not in text, path
        links = re.findall(r"<(?:link|loc)>([^<]+)</", text)
        assert links and all(link.startswith(HTTPS_PUBLIC_URL + "/") for link in links), path


@pytest.mark.parametrize(
    ("method", "path", "service"),
    [
        ("POST", "/api/users/login", "auth_service"),
        ("GET", "/api/profiles/nobody-at-all", "user_service"),
        ("GET", "/api/tags", "webapp"),
        ("GET", "/api/articles/nothing-here", "webapp"),
        ("GET", "/api/nothing-here", "api_gateway"),
        ("GET", "/article/%00", "api_gateway"),
    ],
)
def test_every_json_reply_is_never_sniffed_or_framed(stack, method, path, service):
    response = requests.request(method, f"{stack.url}{path}", json={}, timeout=10)

    assert response.headers["Content-Type"].startswith("application/json"), service
    assert response.headers["X-Content-Type-Options"] == "nosniff", service
    assert response.headers["Content-Security-Policy"] == JSON_CSP, service


@pytest.mark.parametrize("path", INTERNAL_PATHS)
def test_internal_surfaces_are_404_on_the_public_port(stack, path):
    response = requests.get(f"{stack.url}{path}", timeout=10)

    assert response.status_code == 404
    assert response.json() == {"errors": {"path": ["not found"]}}


def test_internal_surfaces_are_served_on_the_internal_port_and_nothing_else(stack):
    internal = f"http://127.0.0.1:{stack.config.ports.gateway_internal}"

    assert requests.get(f"{internal}/readyz", timeout=10).json()["status"] == "ready"
    assert "titanium_gateway_requests_total" in requests.get(f"{internal}/metrics", timeout=10).text
    assert requests.get(f"{internal}/openapi.json", timeout=10).json()["openapi"].startswith("3.")
    for path in ("/", "/api/tags", "/login"):
        assert requests.get(f"{internal}{path}", timeout=10).status_code == 404, path


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/users/login", "POST"),
        ("PATCH", "/api/profiles/someone/follow", "POST"),
        ("DELETE", "/api/tags", "GET"),
        ("PUT", "/login", "GET"),
    ],
)
def test_every_405_says_which_methods_are_allowed(stack, method, path, allowed):
    response = requests.request(method, f"{stack.url}{path}", timeout=10)

    assert response.status_code == 405
    assert allowed in {name.strip() for name in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ],
)
def test_a_malformed_request_is_a_400_and_one_warning_line_without_a_traceback(stack, raw):
    before = len(stack.log("api_gateway"))
    with socket.create_connection(("127.0.0.1", stack.config.ports.gateway), timeout=10) as sock:
        sock.sendall(raw)
        reply = sock.recv(1024)

    assert reply.split(b" ")[1] == b"400"
    logged = stack.log("api_gateway")[before:]
    assert "malformed request" in logged and '"level": "warning"' in logged
    assert "Traceback" not in logged and '"level": "error"' not in logged
