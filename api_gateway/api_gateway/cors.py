"""CORS for the JSON API: RealWorld front ends are usually served from another origin.

The API authenticates by the Authorization header alone (the proxy drops cookies on /api), so
answering any origin grants a foreign page nothing a visitor's cookies would have; credentials
are never allowed. Preflights are answered here and never reach an upstream.
"""

from aiohttp import hdrs, web

from api_gateway.errors import GatewayError
from api_gateway.keys import cors_origin_key
from titanium_common.settings import Settings

API_PREFIX = "/api"
ALLOWED_METHODS = "GET, POST, PUT, DELETE"
# Idempotency-Key is titanium_common.idempotency's header, named here: that module needs
# SQLAlchemy, which the gateway's image does not install.
ALLOWED_HEADERS = "Authorization, Content-Type, X-Requested-With, X-Request-ID, Idempotency-Key"
# What a client script may read besides the CORS-safelisted response headers.
EXPOSED_HEADERS = "X-Request-ID, Retry-After, ETag, Location"
ANY_ORIGIN = "*"


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def allowed_origins(settings: Settings) -> frozenset[str]:
    origins = (origin.strip().rstrip("/") for origin in settings.CORS_ALLOWED_ORIGINS.split(","))
    return frozenset(origin for origin in origins if origin)


def cors_middleware(settings: Settings) -> web.middleware:
    """Preflights on /api answered at once; other /api requests get their CORS headers from
    `add_cors_headers` (replies are streamed, so the headers go in as the reply is prepared)."""
    origins = allowed_origins(settings)
    max_age = str(settings.CORS_MAX_AGE_SECONDS)

    @web.middleware
    async def cors(request: web.Request, handler):
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None or not is_api_path(request.path):
            return await handler(request)
        allowed = ANY_ORIGIN if ANY_ORIGIN in origins else (origin if origin in origins else None)
        preflight = (
            request.method == hdrs.METH_OPTIONS
            and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
        )
        if allowed is None:
            if preflight:
                raise GatewayError(403, "origin", "is not allowed")
            return await handler(request)  # the browser withholds the reply from the page
        request[cors_origin_key] = allowed
        if not preflight:
            return await handler(request)
        return web.Response(
            status=204,
            headers={
                hdrs.ACCESS_CONTROL_ALLOW_METHODS: ALLOWED_METHODS,
                hdrs.ACCESS_CONTROL_ALLOW_HEADERS: ALLOWED_HEADERS,
                hdrs.ACCESS_CONTROL_MAX_AGE: max_age,
            },
        )

    return cors


async def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the allowed origin on every reply to a cross-origin API call,
    errors included (a client must be able to read a 422's messages)."""
    if allowed := request.get(cors_origin_key):
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = allowed
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSED_HEADERS
        if allowed != ANY_ORIGIN:
            response.headers.add(hdrs.VARY, hdrs.ORIGIN)
