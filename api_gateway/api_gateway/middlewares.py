"""Request middlewares, outermost first: correlation, access log, metrics, errors as JSON, which
listener may serve what, refused characters."""

import logging
import time

from aiohttp import web

from api_gateway.edge_cache import cache_result_key
from api_gateway.errors import GatewayError, json_error
from api_gateway.keys import (
    metrics_key,
    request_id_key,
    traceparent_key,
    upstream_name_key,
)
from titanium_common import context
from titanium_common.text import NOT_ALLOWED, is_clean

access_log = logging.getLogger("titanium.access")
log = logging.getLogger(__name__)

GATEWAY = "gateway"  # the upstream label of what the gateway answers itself
QUIET_PATHS = {"/healthz", "/readyz", "/metrics"}
# Served on the internal listener only (Prometheus, probes, tooling inside the cluster).
INTERNAL_PATHS = frozenset({"/readyz", "/metrics", "/openapi.json"})
EVERYWHERE = "/healthz"
# Every JSON reply: never sniffed as something else, never framed, loads nothing.
JSON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
HTTP_ERROR_FIELDS = {404: ("path", "not found"), 405: ("method", "not allowed")}


def correlation_middleware() -> web.middleware:
    """Keep or create X-Request-ID and traceparent for this request (and its log lines)."""

    @web.middleware
    async def correlate(request: web.Request, handler):
        request[traceparent_key] = context.begin(
            request.headers.get(context.REQUEST_ID_HEADER),
            request.headers.get(context.TRACEPARENT_HEADER),
        )
        request[request_id_key] = context.request_id_var.get()
        return await handler(request)

    return correlate


async def add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: proxied replies are streamed, so the header goes in before sending."""
    if request_id := request.get(request_id_key):
        response.headers[context.REQUEST_ID_HEADER] = request_id


async def add_cache_result(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: X-Cache on every webapp reply (edge_cache.CacheResult)."""
    if result := request.get(cache_result_key):
        response.headers["X-Cache"] = result


async def add_json_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: JSON_HEADERS on every JSON reply (upstreams set them too)."""
    if response.content_type == "application/json":
        for name, value in JSON_HEADERS.items():
            response.headers.setdefault(name, value)


def listening_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) else None


def surface_middleware(internal_port: int) -> web.middleware:
    """The public listener never serves INTERNAL_PATHS; the internal one serves nothing else."""

    @web.middleware
    async def separate(request: web.Request, handler):
        internal = listening_port(request) == internal_port
        if request.path != EVERYWHERE and (request.path in INTERNAL_PATHS) != internal:
            raise GatewayError(404, "path", "not found")
        return await handler(request)

    return separate


def input_middleware() -> web.middleware:
    """A path or query with refused characters (titanium_common.text) is a 400 here and never
    reaches an upstream, its logs or its database."""

    @web.middleware
    async def refuse_unclean_text(request: web.Request, handler):
        if not is_clean(request.path):
            raise GatewayError(400, "path", NOT_ALLOWED)
        if not all(is_clean(name + value) for name, value in request.query.items()):
            raise GatewayError(400, "query", NOT_ALLOWED)
        return await handler(request)

    return refuse_unclean_text


def access_log_middleware() -> web.middleware:
    @web.middleware
    async def log_access(request: web.Request, handler):
        started = time.perf_counter()
        status = 500  # what the client gets when the handler raises past every middleware
        try:
            response = await handler(request)
            status = response.status
            return response
        finally:
            resource = request.match_info.route.resource
            access_log.log(
                logging.DEBUG if request.path in QUIET_PATHS else logging.INFO,
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": resource.canonical if resource else None,
                    "upstream": request.get(upstream_name_key, GATEWAY),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )

    return log_access


def metrics_middleware() -> web.middleware:
    @web.middleware
    async def measure(request: web.Request, handler):
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        finally:
            request.app[metrics_key].observe(
                request.get(upstream_name_key, GATEWAY),
                request.method,
                status,
                time.perf_counter() - started,
            )

    return measure


def error_middleware() -> web.middleware:
    """Every error the gateway produces is a RealWorld JSON error; none leaks a traceback."""

    @web.middleware
    async def errors_as_json(request: web.Request, handler):
        try:
            return await handler(request)
        except GatewayError as error:
            return json_error(error.status, error.field, error.message, error.headers)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            field, message = HTTP_ERROR_FIELDS.get(error.status, ("request", error.reason.lower()))
            return json_error(error.status, field, message)
        except ConnectionError:
            raise  # the connection is gone (or must go): there is no one to answer
        except Exception:
            log.exception("unhandled error")
            return json_error(500, "server", "internal error")

    return errors_as_json
