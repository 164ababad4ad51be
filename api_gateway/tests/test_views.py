"""The endpoints the gateway answers itself."""

import pytest

from tests.conftest import internal_get
from tests.test_ratelimit import DEAD_REDIS


async def test_healthz_checks_nothing_but_the_process(make_gateway):
    gateway = await make_gateway(REDIS_URL=DEAD_REDIS, WEBAPP_URL="http://127.0.0.1:1")

    response = await gateway.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_names_the_counter_store(gateway_client, backend):
    response = await internal_get(gateway_client, "/readyz")

    assert response.status == 200
    expected = "redis" if backend.redis_url else "in-process"
    assert await response.json() == {
        "status": "ready",
        "checks": {"redis": {"status": "ok", "backend": expected}},
    }


async def test_readyz_reports_a_dead_redis_but_stays_ready(make_gateway):
    gateway = await make_gateway(REDIS_URL=DEAD_REDIS)

    response = await internal_get(gateway, "/readyz")

    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ready"
    assert body["checks"]["redis"]["status"] == "down"


async def test_readyz_does_not_depend_on_upstreams(make_gateway):
    gateway = await make_gateway(
        AUTH_SERVICE_URL="http://127.0.0.1:1",
        USER_SERVICE_URL="http://127.0.0.1:1",
        WEBAPP_URL="http://127.0.0.1:1",
    )

    assert (await internal_get(gateway, "/readyz")).status == 200


async def test_openapi_document_describes_the_gateway_endpoints(gateway_client):
    response = await internal_get(gateway_client, "/openapi.json")

    document = await response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/healthz", "/readyz", "/metrics", "/openapi.json"}


async def test_metrics_are_prometheus_text(gateway_client):
    response = await internal_get(gateway_client, "/metrics")

    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "# TYPE titanium_gateway_requests_total counter" in await response.text()


@pytest.mark.parametrize("path", ["/readyz", "/metrics", "/openapi.json"])
async def test_internal_surfaces_are_404_on_the_public_listener(gateway_client, path):
    response = await gateway_client.get(path)

    assert response.status == 404
    assert await response.json() == {"errors": {"path": ["not found"]}}


@pytest.mark.parametrize("path", ["/", "/api/tags", "/api/users/login", "/feed.xml"])
async def test_the_internal_listener_serves_nothing_else(gateway_client, path):
    response = await internal_get(gateway_client, path)

    assert response.status == 404
    assert await response.json() == {"errors": {"path": ["not found"]}}


async def test_healthz_answers_on_both_listeners(gateway_client):
    assert (await gateway_client.get("/healthz")).status == 200
    assert (await internal_get(gateway_client, "/healthz")).status == 200


async def test_the_gateways_json_replies_are_never_sniffed_or_framed(gateway_client):
    response = await gateway_client.get("/api/nothing-here")

    assert response.status == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )
