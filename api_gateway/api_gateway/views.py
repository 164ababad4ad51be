"""What the gateway answers itself: health, readiness, metrics, its OpenAPI document, 404s."""

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from api_gateway.errors import json_error
from api_gateway.keys import metrics_key, openapi_document_key, rate_limiter_key


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Always ready once serving. Upstreams are not checked on purpose: a down service must
    show up as 502s on its routes, not take the whole gateway out of rotation. Redis is reported,
    but a dead Redis only moves the rate-limit counters in process."""
    try:
        redis = {"status": "ok", "backend": await request.app[rate_limiter_key].backend()}
    except Exception as error:  # any failure of the counter store counts as down
        redis = {"status": "down", "error": type(error).__name__}
    return web.json_response({"status": "ready", "checks": {"redis": redis}})


async def metrics(request: web.Request) -> web.Response:
    body = request.app[metrics_key].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[openapi_document_key])


async def not_found(request: web.Request) -> web.Response:
    """Unknown /api paths and everything under /internal (service-to-service only)."""
    return json_error(404, "path", "not found")
