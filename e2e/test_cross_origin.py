"""QA: a RealWorld front end served from another origin works against the gateway. The page
below is such a front end's origin (a plain static server on this machine); the calls it makes
are the ones every RealWorld client makes, so each needs a preflight (JSON body or the
Authorization header) that the gateway must answer."""

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e.steps import PASSWORD, unique

pytestmark = pytest.mark.qa

# What a RealWorld client does first: sign up, sign in, read itself, its feed and the tags
# (with the trailing slash some clients send), then publish. Every answer is read as JSON, which
# the browser allows only when the gateway's CORS headers say this origin may read it.
CLIENT_SESSION = """
async ([api, username, password]) => {
  const call = async (method, path, body, token) => {
    const headers = {"Content-Type": "application/json"};
    if (token) headers["Authorization"] = "Token " + token;
    const reply = await fetch(api + path, {method, headers, body: body && JSON.stringify(body)});
    return {status: reply.status, body: reply.status === 204 ? null : await reply.json()};
  };
  const email = username + "@example.test";
  const signedUp = await call("POST", "/api/users", {user: {username, email, password}});
  const signedIn = await call("POST", "/api/users/login", {user: {email, password}});
  const token = signedIn.body.user.token;
  const me = await call("GET", "/api/user/", null, token);
  const feed = await call("GET", "/api/articles/feed", null, token);
  const tags = await call("GET", "/api/tags/", null, null);
  const article = {title: "Cross-origin " + username, description: "d", body: "b", tagList: []};
  const created = await call("POST", "/api/articles", {article}, token);
  const refused = await call("GET", "/api/user", null, "not-a-token");
  return {signedUp, signedIn, me, feed, tags, created, refused, origin: location.origin};
}
"""


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory) -> Iterator[str]:
    """A static page on its own port: another origin than the site under test."""
    root: Path = tmp_path_factory.mktemp("front-end")
    (root / "index.html").write_text("<!doctype html><title>A RealWorld front end</title>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()


def test_a_front_end_on_another_origin_signs_in_and_reads_through_the_gateway(
    page: Page, base_url: str, other_origin: str
):
    page.goto(other_origin + "/")
    username = unique("cors")

    result = page.evaluate(CLIENT_SESSION, [base_url, username, PASSWORD])

    assert result["origin"] != base_url
    assert result["signedUp"]["status"] == 201
    assert result["signedIn"]["status"] == 200
    assert result["me"]["body"]["user"]["username"] == username
    assert result["feed"]["status"] == 200
    assert "articles" in result["feed"]["body"]
    assert isinstance(result["tags"]["body"]["tags"], list)
    assert result["created"]["status"] == 201
    assert result["created"]["body"]["article"]["author"]["username"] == username
    # Errors are readable too: the client can show "token is invalid".
    assert result["refused"]["status"] == 401
    assert result["refused"]["body"]["errors"]
