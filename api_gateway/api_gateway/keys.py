"""Every typed key the gateway keeps on its Application and on each request."""

from aiohttp import ClientSession, web

from api_gateway.auth import JwksCache
from api_gateway.edge_cache import EdgeCache
from api_gateway.metrics import GatewayMetrics
from api_gateway.ratelimit import RateLimiter
from titanium_common.revocations import RevocationList
from titanium_common.settings import Settings

settings_key = web.AppKey("settings", Settings)
upstream_urls_key = web.AppKey("upstream_urls", dict[str, str])
openapi_document_key = web.AppKey("openapi_document", dict)
metrics_key = web.AppKey("metrics", GatewayMetrics)
upstream_session_key = web.AppKey("upstream_session", ClientSession)
jwks_key = web.AppKey("jwks", JwksCache)
revocations_key = web.AppKey("revocations", RevocationList)
rate_limiter_key = web.AppKey("rate_limiter", RateLimiter)
edge_cache_key = web.AppKey("edge_cache", EdgeCache)

request_id_key = web.RequestKey("request_id", str)
traceparent_key = web.RequestKey("traceparent", str)
# Which upstream answered; unset means the gateway answered itself.
upstream_name_key = web.RequestKey("upstream_name", str)
# The Access-Control-Allow-Origin of a cross-origin API call (cors.py); unset for others.
cors_origin_key = web.RequestKey("cors_origin", str)
# What the edge cache did (the X-Cache header) is edge_cache.cache_result_key: EdgeCache sets it.
