"""CORS on /api: a RealWorld front end on another origin can preflight, call and read errors;
no cookie ever reaches the API; trailing slashes on API paths answer as without them."""

import pytest

from tests.conftest import echo, echoed_headers

FRONT_END = "https://front.example"
PREFLIGHT = {
    "Origin": FRONT_END,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type, authorization",
}


@pytest.mark.parametrize("path", ["/api/users/login", "/api/articles", "/api/profiles/jake"])
async def test_a_preflight_is_answered_by_the_gateway(gateway_client, upstreams, path):
    response = await gateway_client.options(path, headers=PREFLIGHT)

    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed_methods = response.headers["Access-Control-Allow-Methods"]
    assert {"GET", "POST", "PUT", "DELETE"} <= {m.strip() for m in allowed_methods.split(",")}
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"content-type", "authorization", "idempotency-key"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_cross_origin_replies_and_errors_carry_the_allowed_origin(gateway_client):
    reply = await gateway_client.get("/api/tags", headers={"Origin": FRONT_END})
    error = await gateway_client.get(
        "/api/user", headers={"Origin": FRONT_END, "Authorization": "Token not-a-jwt"}
    )

    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Request-ID" in reply.headers["Access-Control-Expose-Headers"]
    assert error.status == 401
    assert error.headers["Access-Control-Allow-Origin"] == "*"


async def test_only_listed_origins_are_allowed_when_configured(make_gateway):
    gateway = await make_gateway(CORS_ALLOWED_ORIGINS=f"{FRONT_END}, https://other.example")

    allowed = await gateway.options("/api/articles", headers=PREFLIGHT)
    refused = await gateway.options(
        "/api/articles", headers=PREFLIGHT | {"Origin": "https://evil.example"}
    )
    plain = await gateway.get("/api/tags", headers={"Origin": "https://evil.example"})

    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert "Origin" in allowed.headers.getall("Vary")
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Origin" not in plain.headers


async def test_web_pages_get_no_cors_headers(gateway_client):
    response = await gateway_client.get("/", headers={"Origin": FRONT_END})

    assert "Access-Control-Allow-Origin" not in response.headers


async def test_no_cookie_reaches_the_api_but_pages_keep_theirs(gateway_client):
    cookie = {"Cookie": "session=signed-in-browser"}

    api = echoed_headers(await echo(await gateway_client.get("/api/user", headers=cookie)))
    page = echoed_headers(await echo(await gateway_client.get("/settings", headers=cookie)))

    assert "cookie" not in api
    assert page["cookie"] == ["session=signed-in-browser"]


@pytest.mark.parametrize(
    ("sent", "forwarded"),
    [
        ("/api/tags/", "/api/tags"),
        ("/api/user/", "/api/user"),
        ("/api/articles/?limit=5", "/api/articles?limit=5"),
        ("/api/profiles/jake/follow/", "/api/profiles/jake/follow"),
        ("/api/tags", "/api/tags"),
        ("/about/", "/about/"),
    ],
)
async def test_an_api_path_with_a_trailing_slash_is_the_path_without(
    gateway_client, sent, forwarded
):
    assert (await echo(await gateway_client.get(sent)))["path_qs"] == forwarded
