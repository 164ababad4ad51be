"""Fixtures: fake upstreams (small aiohttp apps), Ed25519 signing keys, and the gateway client.

Every test runs with in-process rate-limit counters and, when TITANIUM_REDIS_URL is set, again
with Redis.
"""

import asyncio
import json
import socket
import time
import uuid
from dataclasses import dataclass, field

import jwt
import pytest
import redis
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api_gateway.app import create_app
from api_gateway.keys import settings_key
from api_gateway.settings import load_settings
from titanium_common.identity import (
    JWKS_PATH,
    REVOCATIONS_PATH,
    TOKEN_ALGORITHM,
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
)
from titanium_common.testing import assert_reachable, configured_backends, redis_key_prefix

UPSTREAM_NAMES = ("auth_service", "user_service", "webapp")


@dataclass
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def jwk(self) -> dict:
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": TOKEN_ALGORITHM, "use": "sig"}

    def token(self, sub: str | None = None, *, expires_in: int = 900, **claims) -> str:
        """A token signed by this key; a claim given as None is left out."""
        now = int(time.time())
        payload = {
            "sub": str(uuid.uuid4()) if sub is None else sub,
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "iat": now,
            "exp": now + expires_in,
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, self.private_key, TOKEN_ALGORITHM, headers={"kid": self.kid})


@dataclass
class FakeUpstreams:
    """Three echo servers standing in for auth_service, user_service and webapp."""

    urls: dict[str, str]
    published_keys: list[SigningKey]
    jwks_fetches: list[float] = field(default_factory=list)
    # The revocation feed's entries ({"account", "version", "at"}) and what asked for them.
    revocations: list[dict] = field(default_factory=list)
    feed_queries: list[dict] = field(default_factory=list)
    feed_status: int = 200

    def revoke(self, account_id: str, version: int) -> None:
        self.revocations.append({"account": account_id, "version": version, "at": time.time()})


def echo_app(name: str, upstreams: FakeUpstreams) -> web.Application:
    """Answers any request with what it received. Query switches: delay=<s> answers late,
    size=<bytes> streams a body (stall=<s> pauses it, declared=1 sends its Content-Length),
    status=<code>, and cookies=1 sets
    cookies, a Location and cache headers."""

    async def jwks(request: web.Request) -> web.Response:
        upstreams.jwks_fetches.append(time.monotonic())
        return web.json_response({"keys": [key.jwk for key in upstreams.published_keys]})

    async def revocation_feed(request: web.Request) -> web.Response:
        upstreams.feed_queries.append(dict(request.query))
        if upstreams.feed_status != 200:
            return web.json_response({"errors": {}}, status=upstreams.feed_status)
        page = {"revocations": upstreams.revocations, "next_since": time.time(), "complete": True}
        return web.json_response(page)

    async def echo(request: web.Request) -> web.StreamResponse:
        if delay := request.query.get("delay"):
            await asyncio.sleep(float(delay))
        if size := request.query.get("size"):
            return await stream_bytes(request, int(size), float(request.query.get("stall", 0)))
        body = await request.read()
        headers = {}
        if request.query.get("cookies"):
            headers = {"Location": "/somewhere", "Cache-Control": "max-age=60", "ETag": '"v1"'}
        response = web.json_response(
            {
                "upstream": name,
                "method": request.method,
                "path_qs": request.raw_path,
                "headers": [[k, v] for k, v in request.headers.items()],
                "body": body.decode(),
            },
            status=int(request.query.get("status", 200)),
            headers=headers,
        )
        if request.query.get("cookies"):
            response.set_cookie("session", "abc", httponly=True)
            response.set_cookie("theme", "dark")
        return response

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_get(JWKS_PATH, jwks)
    app.router.add_get(REVOCATIONS_PATH, revocation_feed)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


async def stream_bytes(request: web.Request, size: int, stall: float) -> web.StreamResponse:
    """`size` bytes of "x"; with `stall`, a pause of that many seconds after the first chunk."""
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    if request.query.get("declared"):
        response.content_length = size
    await response.prepare(request)
    chunk = b"x" * 65536
    for number in range(size // len(chunk)):
        await response.write(chunk)
        if number == 0 and stall:
            await asyncio.sleep(stall)
    await response.write(b"x" * (size % len(chunk)))
    await response.write_eof()
    return response


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def echoed_headers(payload: dict) -> dict[str, list[str]]:
    """Headers the fake upstream received, lower-cased names -> all values."""
    received: dict[str, list[str]] = {}
    for name, value in payload["headers"]:
        received.setdefault(name.lower(), []).append(value)
    return received


@pytest.fixture(scope="session", params=configured_backends(), ids=lambda backend: backend.name)
def backend(request):
    assert_reachable(request.param)
    return request.param


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey(kid="key-1")


@pytest.fixture
async def upstreams(aiohttp_server, signing_key) -> FakeUpstreams:
    fake = FakeUpstreams(urls={}, published_keys=[signing_key])
    for name in UPSTREAM_NAMES:
        server = await aiohttp_server(echo_app(name, fake))
        fake.urls[name] = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def make_gateway(aiohttp_client, upstreams, backend):
    """Build a gateway client in front of the fake upstreams; keyword arguments are settings.
    Whatever the gateways kept in Redis is deleted afterwards."""
    prefixes = set()

    async def make(**overrides):
        settings = load_settings(
            {
                "AUTH_SERVICE_URL": upstreams.urls["auth_service"],
                "USER_SERVICE_URL": upstreams.urls["user_service"],
                "WEBAPP_URL": upstreams.urls["webapp"],
                "REDIS_URL": backend.redis_url,
                "REDIS_KEY_PREFIX": redis_key_prefix("api_gateway"),
                "UPSTREAM_CONNECT_TIMEOUT_SECONDS": 0.5,
                "UPSTREAM_READ_TIMEOUT_SECONDS": 0.5,
                "PROMETHEUS_MULTIPROC_DIR": "",
                "WEB_CONCURRENCY": 1,
                "INTERNAL_PORT": free_port(),
                **overrides,
            }
        )
        if backend.redis_url == settings.REDIS_URL:
            prefixes.add(settings.REDIS_KEY_PREFIX)
        client = await aiohttp_client(create_app(settings))
        # The internal listener: the same app on a second port, as gunicorn binds it.
        await web.TCPSite(client.server.runner, "127.0.0.1", settings.INTERNAL_PORT).start()
        return client

    yield make
    if backend.redis_url:
        delete_keys(backend.redis_url, prefixes)


def delete_keys(redis_url: str, prefixes: set[str]) -> None:
    with redis.Redis.from_url(redis_url) as client:
        for prefix in prefixes:
            if keys := list(client.scan_iter(match=f"{prefix}*")):
                client.delete(*keys)


@pytest.fixture
async def gateway_client(make_gateway):
    return await make_gateway()


def internal_get(gateway, path: str, **kwargs):
    """A GET on the gateway's internal listener (/readyz, /metrics, /openapi.json)."""
    port = gateway.app[settings_key].INTERNAL_PORT
    return gateway.session.get(f"http://127.0.0.1:{port}{path}", **kwargs)


async def echo(response) -> dict:
    """The fake upstream's account of the request it received."""
    assert response.status == 200, await response.text()
    return json.loads(await response.text())
