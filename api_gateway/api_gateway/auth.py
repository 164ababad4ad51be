"""Access-token verification against auth_service's JWKS and revocation feed.

A token is valid when its EdDSA signature verifies against a published key, its issuer and
audience are ours, it has not expired, it claims no longer a lifetime than TOKEN_TTL_SECONDS
(`exp - iat`) and was not issued in the future (beyond CLOCK_SKEW_SECONDS), and its account has
not ended the sessions and tokens of its version since (titanium_common.revocations, read in the
background by api_gateway.revocations: a dictionary lookup here).

The JWKS is cached for JWKS_CACHE_SECONDS. A token whose `kid` is not in the cache triggers a
refetch (keys rotate), but never more often than JWKS_MIN_REFETCH_SECONDS: a request that needs a
refetch inside that interval waits for the next one instead of being refused, and every request
waiting meanwhile shares it. So a flood of made-up kids costs auth_service one request per
interval, and a token signed by a freshly rotated key is never refused.
"""

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
import jwt

from titanium_common import context
from titanium_common.identity import (
    TOKEN_ALGORITHM,
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    TOKEN_VERSION_CLAIM,
)
from titanium_common.revocations import RevocationList

log = logging.getLogger(__name__)

TOKEN_SCHEMES = {"token", "bearer"}
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
# How far ahead of the gateway's clock auth_service's may run; `exp` gets no such grace.
CLOCK_SKEW_SECONDS = 30
# Tokens signed before tokens carried a version are of the account's first one.
FIRST_VERSION = 1


class InvalidToken(Exception):
    """The token is garbage, tampered, expired, or not ours."""


class JwksUnavailable(Exception):
    """The signing keys could not be fetched and the token's kid is not cached."""


def token_from_header(authorization: str | None) -> str | None:
    """The token of a `Token <jwt>` or `Bearer <jwt>` header; None for no or another scheme."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() not in TOKEN_SCHEMES:
        return None
    return token.strip()


def parse_jwks(document: object) -> dict[str, object]:
    """Public keys by kid; entries that are not usable EdDSA keys are skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    keys = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm=TOKEN_ALGORITHM).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            log.warning("skipping unusable JWKS entry", extra={"kid": entry["kid"]})
    return keys


class JwksCache:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        cache_seconds: float,
        min_refetch_seconds: float,
        fetch_timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._session = session
        self._url = url
        self._cache_seconds = cache_seconds
        self._min_refetch_seconds = min_refetch_seconds
        self._timeout = aiohttp.ClientTimeout(total=fetch_timeout_seconds)
        self._clock = clock
        self._keys: dict[str, object] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_fetch_failed = False
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> object | None:
        """The key for `kid`, None when auth_service does not know it either."""
        if kid not in self._keys or not self._is_fresh():
            await self._refresh()
        if kid in self._keys:
            return self._keys[kid]
        if self._last_fetch_failed:
            raise JwksUnavailable
        return None

    def _is_fresh(self) -> bool:
        return self._fetched_at is not None and (
            self._clock() - self._fetched_at < self._cache_seconds
        )

    async def _refresh(self) -> None:
        asked_at = self._clock()
        async with self._lock:
            if self._attempted_at is not None and self._attempted_at >= asked_at:
                return  # a fetch started after this request asked: its result is the answer
            if self._attempted_at is not None:
                wait = self._attempted_at + self._min_refetch_seconds - self._clock()
                if wait > 0 and self._last_fetch_failed:
                    return  # auth_service is away: answer 503 now rather than queue up
                if wait > 0:
                    await asyncio.sleep(wait)
            self._attempted_at = self._clock()
            try:
                async with self._session.get(
                    self._url, timeout=self._timeout, headers=context.outgoing_headers()
                ) as reply:
                    reply.raise_for_status()
                    document = await reply.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                # Stale keys keep working while auth_service is away; new kids cannot.
                self._last_fetch_failed = True
                log.warning("JWKS fetch failed", extra={"error": repr(error), "url": self._url})
                return
            self._keys = parse_jwks(document)
            self._fetched_at = self._clock()
            self._last_fetch_failed = False


async def verify_token(
    token: str,
    jwks: JwksCache,
    revocations: RevocationList,
    *,
    max_lifetime_seconds: float,
    clock: Callable[[], float] = time.time,
) -> str:
    """The subject (account id) of a valid access token; raises InvalidToken otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken from error
    kid = header.get("kid")
    if header.get("alg") != TOKEN_ALGORITHM or not isinstance(kid, str):
        raise InvalidToken
    key = await jwks.key_for(kid)
    if key is None:
        raise InvalidToken
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            issuer=TOKEN_ISSUER,
            # iat is checked below, with the skew that exp does not get.
            options={"require": REQUIRED_CLAIMS, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken from error
    subject, version = claims["sub"], claims.get(TOKEN_VERSION_CLAIM, FIRST_VERSION)
    issued_at, expires_at = claims["iat"], claims["exp"]
    if not (
        isinstance(subject, str)
        and subject
        and _is_number(issued_at)
        and _is_number(expires_at)
        and issued_at <= clock() + CLOCK_SKEW_SECONDS
        and expires_at - issued_at <= max_lifetime_seconds
        and type(version) is int
        and revocations.allows(subject, version)
    ):
        raise InvalidToken
    return subject


def _is_number(value: object) -> bool:
    return type(value) in (int, float)
