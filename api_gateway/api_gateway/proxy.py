"""Forwarding one request to its upstream: identity, client address, rate limit, headers,
streamed bodies."""

import functools
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import hdrs, web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from api_gateway.auth import InvalidToken, JwksUnavailable, token_from_header, verify_token
from api_gateway.cors import API_PREFIX, is_api_path
from api_gateway.edge_cache import SAFE_METHODS, surrogate_keys_key
from api_gateway.errors import GatewayError
from api_gateway.keys import (
    edge_cache_key,
    jwks_key,
    metrics_key,
    rate_limiter_key,
    request_id_key,
    revocations_key,
    settings_key,
    traceparent_key,
    upstream_name_key,
    upstream_session_key,
    upstream_urls_key,
)
from titanium_common import context
from titanium_common.caching import (
    PURGE_HEADER,
    SURROGATE_KEY_HEADER,
    UNCHANGED_HEADER,
    split_keys,
)
from titanium_common.identity import (
    CLIENT_ADDRESS_HEADER,
    IDENTITY_HEADER_PREFIX,
    USER_ID_HEADER,
)

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# RFC 9110 7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Request headers the gateway sets itself (or, for Host and Expect, leaves to the client library).
REPLACED_REQUEST_HEADERS = frozenset(
    {
        "host",
        "expect",
        "authorization",
        "x-request-id",
        "traceparent",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
    }
)
IDENTITY_PREFIX = IDENTITY_HEADER_PREFIX.lower()
# Reply headers meant for the edge cache only (titanium_common.caching), never for the client.
CACHE_CONTRACT_HEADERS = frozenset(
    name.lower() for name in (UNCHANGED_HEADER, PURGE_HEADER, SURROGATE_KEY_HEADER)
)
# Replies up to this size are read whole and sent in one write, which halves the gateway's
# per-request cost for typical API and page replies; larger ones are streamed.
BUFFERED_REPLY_BYTES = 256 * 1024


def proxy_to(
    upstream: str, max_body_bytes: int, *, reject_invalid_tokens: bool, edge_cached: bool = False
) -> Handler:
    """The handler for one routing-table entry; a body over `max_body_bytes` is a 413.

    `reject_invalid_tokens` is set for the JSON API: a bad token there is a 401. Elsewhere (the
    web UI, which signs in with cookies) a bad token is simply not passed on. `edge_cached`
    (the webapp's routes) answers anonymous pages from the edge cache when it can.
    """

    async def proxy(request: web.Request) -> web.StreamResponse:
        request[upstream_name_key] = upstream
        user_id, token = await identify(request, reject_invalid_tokens)
        address = client_ip(request)
        await enforce_rate_limit(request, user_id, address)
        body = await bounded_body(request, max_body_bytes)
        headers = upstream_headers(request, user_id, token, address)
        fetch = functools.partial(forward, request, upstream, body=body)
        if edge_cached:
            return await request.app[edge_cache_key].serve(request, headers, fetch)
        return await fetch(headers)

    return proxy


async def bounded_body(request: web.Request, limit: int) -> aiohttp.StreamReader | bytes | None:
    """What to send upstream: None (no body), the request's stream when its Content-Length is
    within `limit`, or a chunked body read whole while counting. Over the limit is a 413, told
    before a byte goes upstream."""
    if not request.body_exists:
        return None
    if request.content_length is not None:
        if request.content_length > limit:
            raise body_too_large()
        return request.content
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise body_too_large()
    return bytes(body)


def body_too_large() -> GatewayError:
    # The client hears at once and its connection closes: the rest of its body is never read.
    return GatewayError(413, "body", "is too large", {hdrs.CONNECTION: "close"})


async def identify(request: web.Request, reject_invalid: bool) -> tuple[str | None, str | None]:
    """(user id, token) of a verified token, (None, None) for anonymous requests."""
    token = token_from_header(request.headers.get(hdrs.AUTHORIZATION))
    if token is None:
        return None, None
    try:
        user_id = await verify_token(
            token,
            request.app[jwks_key],
            request.app[revocations_key],
            max_lifetime_seconds=request.app[settings_key].TOKEN_TTL_SECONDS,
        )
    except InvalidToken:
        if reject_invalid:
            raise GatewayError(401, "token", "is invalid") from None
        return None, None
    except JwksUnavailable:
        if reject_invalid:
            raise GatewayError(503, "upstream", "auth_service is unavailable") from None
        return None, None
    context.user_id_var.set(user_id)
    return user_id, token


async def enforce_rate_limit(request: web.Request, user_id: str | None, address: str) -> None:
    limiter = request.app[rate_limiter_key]
    if not limiter.enabled:
        return
    client = f"user:{user_id}" if user_id else f"ip:{address}"
    decision = await limiter.hit(client)
    if not decision.allowed:
        retry_after = {"Retry-After": str(decision.retry_after_seconds)}
        raise GatewayError(429, "rate", "limit exceeded", retry_after)


def client_ip(request: web.Request) -> str:
    """The caller's address: the peer, or what the outermost trusted proxy in front of us saw.

    Entries left of that one are whatever the client sent, so never trusted; services get the
    result in CLIENT_ADDRESS_HEADER and read no X-Forwarded-For themselves."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    chain = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    chain.append(request.remote or "unknown")
    hops = request.app[settings_key].TRUSTED_PROXY_HOPS
    return chain[max(len(chain) - 1 - hops, 0)]


def connection_scoped(headers: CIMultiDictProxy[str]) -> set[str]:
    """Hop-by-hop headers plus any that the Connection header names."""
    named = {
        name.strip().lower()
        for value in headers.getall(hdrs.CONNECTION, [])
        for name in value.split(",")
    }
    return HOP_BY_HOP | named


def upstream_headers(
    request: web.Request, user_id: str | None, token: str | None, address: str
) -> CIMultiDict[str]:
    dropped = connection_scoped(request.headers) | REPLACED_REQUEST_HEADERS
    if is_api_path(request.path):
        dropped |= {"cookie"}  # the API authenticates by header only: no cookie may sign it in
    headers = CIMultiDict(
        (name, value)
        for name, value in request.headers.items()
        # Identity headers are the gateway's to set: a client-sent one is a forgery attempt.
        if name.lower() not in dropped and not name.lower().startswith(IDENTITY_PREFIX)
    )
    headers[context.REQUEST_ID_HEADER] = request[request_id_key]
    headers[context.TRACEPARENT_HEADER] = request[traceparent_key]
    headers[CLIENT_ADDRESS_HEADER] = address
    if user_id is not None:
        headers[USER_ID_HEADER] = user_id
        headers[hdrs.AUTHORIZATION] = f"Token {token}"
    peer = request.remote or "unknown"
    previous = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{previous}, {peer}" if previous else peer
    headers["X-Forwarded-Proto"] = request.headers.get("X-Forwarded-Proto", request.scheme)
    headers["X-Forwarded-Host"] = request.headers.get("X-Forwarded-Host", request.host)
    return headers


def changes_pages(request: web.Request, reply: aiohttp.ClientResponse) -> bool:
    """A write, whatever its answer, unless the upstream says it changed nothing pages show: a
    503 or 500 can come after the commit, so only the upstream knows (titanium_common.service
    marks every refused write that wrote nothing)."""
    return request.method not in SAFE_METHODS and UNCHANGED_HEADER not in reply.headers


def purged_keys(reply: aiohttp.ClientResponse) -> frozenset[str] | None:
    """What a write that changes pages changed: the keys a success named in PURGE_HEADER, else
    None (anything: an error, or an upstream that does not say)."""
    keys = split_keys(reply.headers.get(PURGE_HEADER))
    return keys if keys and reply.status < 400 else None


def may_have_arrived(error: Exception) -> bool:
    """Whether a request that failed this way may have reached the upstream (and been done):
    everything but a connection that was never made."""
    return not isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


def upstream_path_qs(request: web.Request) -> str:
    """The path as routing saw it, to append to the upstream's base URL (never joined: a path
    like //host/x must stay a path, not become another host). An API path's trailing slash is
    dropped: several RealWorld clients ask for /api/tags/ and /api/user/."""
    path, path_qs = request.rel_url.raw_path, request.rel_url.raw_path_qs
    if is_api_path(path) and path.endswith("/") and path != API_PREFIX + "/":
        return path[:-1] + path_qs[len(path) :]
    return path_qs


def reply_headers(reply: aiohttp.ClientResponse) -> CIMultiDict[str]:
    dropped = connection_scoped(reply.headers) | CACHE_CONTRACT_HEADERS
    return CIMultiDict((k, v) for k, v in reply.headers.items() if k.lower() not in dropped)


async def forward(
    request: web.Request,
    upstream: str,
    headers: CIMultiDict[str],
    *,
    body: aiohttp.StreamReader | bytes | None,
    read_whole_up_to: int = 0,
) -> web.StreamResponse:
    """Send the request on and stream the reply back; 502/504 if the upstream fails us.

    A reply of at most BUFFERED_REPLY_BYTES, or `read_whole_up_to` if larger (the edge cache
    keeps only replies read whole), is read whole and sent in one write."""
    session = request.app[upstream_session_key]
    url = request.app[upstream_urls_key][upstream] + upstream_path_qs(request)
    errors = request.app[metrics_key].upstream_errors
    try:
        reply = await session.request(
            request.method,
            URL(url, encoded=True),
            headers=headers,
            data=body,
            allow_redirects=False,
        )
    except (TimeoutError, aiohttp.ClientError) as error:
        if request.method not in SAFE_METHODS and may_have_arrived(error):
            # A write that may have been done, unheard: no page from before it may be served.
            await request.app[edge_cache_key].invalidate()
        if isinstance(error, TimeoutError):
            errors.labels(upstream, "timeout").inc()
            raise GatewayError(504, "upstream", f"{upstream} timed out") from None
        errors.labels(upstream, "unavailable").inc()
        log.warning("upstream unavailable", extra={"upstream": upstream, "error": repr(error)})
        raise GatewayError(502, "upstream", f"{upstream} is unavailable") from None
    async with reply:
        if changes_pages(request, reply):
            # Before the writer hears back: from then on no reader gets a page from before it.
            await request.app[edge_cache_key].invalidate(purged_keys(reply))
        request[surrogate_keys_key] = split_keys(reply.headers.get(SURROGATE_KEY_HEADER))
        read_whole = max(BUFFERED_REPLY_BYTES, read_whole_up_to)
        if reply.content_length is not None and reply.content_length <= read_whole:
            return await buffered_reply(reply, upstream, errors)
        response = web.StreamResponse(
            status=reply.status, reason=reply.reason, headers=reply_headers(reply)
        )
        await response.prepare(request)
        try:
            async for chunk in reply.content.iter_any():
                await response.write(chunk)
        except (TimeoutError, aiohttp.ClientError) as error:
            # Too late for a 502: drop the connection so the client sees a truncated body.
            errors.labels(upstream, "interrupted").inc()
            raise ConnectionResetError(f"{upstream} broke off its reply") from error
        await response.write_eof()
        return response


async def buffered_reply(reply: aiohttp.ClientResponse, upstream: str, errors) -> web.Response:
    try:
        body = await reply.read()
    except TimeoutError:
        errors.labels(upstream, "timeout").inc()
        raise GatewayError(504, "upstream", f"{upstream} timed out") from None
    except aiohttp.ClientError:
        errors.labels(upstream, "interrupted").inc()
        raise GatewayError(502, "upstream", f"{upstream} is unavailable") from None
    return web.Response(
        status=reply.status, reason=reply.reason, headers=reply_headers(reply), body=body
    )
