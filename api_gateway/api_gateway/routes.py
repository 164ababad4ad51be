"""The routing table: which upstream answers which path. Names only; URLs come from settings."""

from aiohttp import web

from api_gateway import views
from api_gateway.proxy import proxy_to
from titanium_common.identity import JWKS_PATH

AUTH_SERVICE, USER_SERVICE, WEBAPP = "auth_service", "user_service", "webapp"

# A prefix matches itself and every path below it (/api/users, /api/users/login, ...).
API_ROUTES = {
    "/api/users": AUTH_SERVICE,
    "/api/user": AUTH_SERVICE,
    "/api/profiles": USER_SERVICE,
    "/api/articles": WEBAPP,
    "/api/tags": WEBAPP,
}
# The largest request body each upstream accepts (its MAX_CONTENT_LENGTH): the gateway answers
# 413 itself, so an upstream never refuses a body half sent on a pooled connection.
MAX_BODY_BYTES = {AUTH_SERVICE: 64 * 1024, USER_SERVICE: 64 * 1024, WEBAPP: 2 * 1024 * 1024}
# Any other path under these is answered 404 by the gateway and never proxied.
CLOSED_PREFIXES = ("/api", "/internal")
# Everything else is the web UI and its static files.
DEFAULT_UPSTREAM = WEBAPP


def add_prefix(router: web.UrlDispatcher, prefix: str, handler) -> None:
    router.add_route("*", prefix, handler)
    router.add_route("*", prefix + "/{tail:.*}", handler)


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/healthz", views.healthz)
    router.add_get("/readyz", views.readyz)
    router.add_get("/metrics", views.metrics)
    router.add_get("/openapi.json", views.openapi)
    # aiohttp tries the longest matching static prefix first, so the order below is for people.
    for prefix, upstream in API_ROUTES.items():
        handler = proxy_to(
            upstream,
            MAX_BODY_BYTES[upstream],
            reject_invalid_tokens=True,
            edge_cached=upstream == WEBAPP,
        )
        add_prefix(router, prefix, handler)
    router.add_route(
        "*",
        JWKS_PATH,
        proxy_to(AUTH_SERVICE, MAX_BODY_BYTES[AUTH_SERVICE], reject_invalid_tokens=False),
    )
    for prefix in CLOSED_PREFIXES:
        add_prefix(router, prefix, views.not_found)
    web_ui = proxy_to(
        DEFAULT_UPSTREAM,
        MAX_BODY_BYTES[DEFAULT_UPSTREAM],
        reject_invalid_tokens=False,
        edge_cached=True,
    )
    router.add_route("*", "/{tail:.*}", web_ui)
