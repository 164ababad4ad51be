"""The routing table: each path reaches its owner, closed paths answer 404 without proxying."""

import pytest
from yarl import URL

from tests.conftest import echo


@pytest.mark.parametrize(
    ("method", "path", "upstream"),
    [
        ("POST", "/api/users", "auth_service"),
        ("POST", "/api/users/login", "auth_service"),
        ("GET", "/api/user", "auth_service"),
        ("PUT", "/api/user", "auth_service"),
        ("GET", "/.well-known/jwks.json", "auth_service"),
        ("GET", "/api/profiles/jake", "user_service"),
        ("POST", "/api/profiles/jake/follow", "user_service"),
        ("GET", "/api/articles", "webapp"),
        ("GET", "/api/articles/feed", "webapp"),
        ("DELETE", "/api/articles/how-to/comments/1", "webapp"),
        ("GET", "/api/tags", "webapp"),
        ("GET", "/", "webapp"),
        ("GET", "/article/how-to", "webapp"),
        ("GET", "/static/app.css", "webapp"),
        ("POST", "/healthz", "webapp"),
    ],
)
async def test_each_path_reaches_its_owner(gateway_client, method, path, upstream):
    response = await gateway_client.request(method, path)

    if path == "/.well-known/jwks.json":
        assert response.status == 200
        assert "keys" in await response.json()
        return
    payload = await echo(response)
    assert payload["upstream"] == upstream
    assert payload["method"] == method
    assert payload["path_qs"] == path


async def test_path_and_query_are_forwarded_unchanged(gateway_client):
    response = await gateway_client.get("/api/articles?tag=a%20b&limit=5&author=j%C3%BCrgen")

    assert (await echo(response))["path_qs"] == "/api/articles?tag=a%20b&limit=5&author=j%C3%BCrgen"


async def test_a_path_that_looks_like_a_host_stays_a_path(gateway_client):
    base = str(gateway_client.make_url("")).rstrip("/")
    response = await gateway_client.session.get(URL(f"{base}//evil.example/x", encoded=True))

    payload = await echo(response)
    assert payload["upstream"] == "webapp"
    assert payload["path_qs"] == "//evil.example/x"


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/unknown",
        "/api/userx",
        "/api/comments/1",
        "/internal",
        "/internal/profiles?ids=1",
        "/%69nternal/profiles",
    ],
)
async def test_unknown_api_and_internal_paths_are_404_json(gateway_client, path):
    response = await gateway_client.post(path)

    assert response.status == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert await response.json() == {"errors": {"path": ["not found"]}}
