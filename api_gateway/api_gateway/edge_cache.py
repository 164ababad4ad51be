"""The edge page cache: anonymous webapp pages kept at the gateway, dropped by the writes that
change what they show.

Kept: the reply to a GET from an anonymous client (no Authorization header, no session cookie)
when the webapp answers 200 with `Cache-Control: public, s-maxage=N`, sets no cookie, varies only
on headers that are part of the key, and sends at most EDGE_CACHE_MAX_ENTRY_BYTES; for N seconds,
with the surrogate keys its Surrogate-Key header names (what it shows: `article-12`, `articles`,
...; titanium_common.caching). A HEAD is answered from a kept GET. Nothing else is ever kept.

One request's walk is EdgeCache.serve: look the page up; answer a kept one (304 when the client's
copy is still it); on a miss, fetch it once for every concurrent reader of it, without the
client's conditions so that the whole page comes back and can be kept, and keep it.

Invalidation, before the writer gets its answer (ADR 0005, ADR 0023). Every write the gateway
passes on (a method other than GET, HEAD or OPTIONS, to any upstream) either
- is marked X-Titanium-Unchanged by its upstream: nothing is dropped;
- succeeds naming what it changed in X-Titanium-Purge: each named key is *purged*, stamped with
  the next number of one purge sequence, and a page is valid only while none of its keys was
  stamped after the sequence read *before* the page was fetched (a page that names no key is
  dropped by every purge);
- or anything else, whatever its answer (a 500 or 503 may come after the commit) and when none
  comes (a timeout, a broken connection): the cache moves to a new generation, and every page
  kept before is dropped. A page is kept under the generation read *before* it was fetched.
So once a write has been answered, no reader gets a page from before it that shows what it
changed.

Where: in Redis when REDIS_URL is set, shared by every worker and replica; the generation, the
sequence, the page and its keys' stamps are read in one round trip, a purge is one more. Otherwise
an LRU in this process, coherent for one process only: with several workers and no Redis the
cache is off. A configured Redis that fails is bypassed (titanium_common.guarded_redis), never
worked around: a slower page beats a stale one. A write answered while Redis failed owes a new
generation, made before the next page is read.
"""

import asyncio
import contextlib
import enum
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import hdrs, web
from multidict import CIMultiDict
from prometheus_client import Counter

from titanium_common.guarded_redis import AsyncGuardedRedis, RedisUnavailable
from titanium_common.settings import Settings

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CACHED_METHODS = frozenset({"GET", "HEAD"})
# Headers of the request *as sent to the webapp* whose values are part of every key, so a page may
# vary on any of them. With the htmx ones the webapp answers a fragment instead of the full page;
# the encoding changes the bytes; the forwarded host and scheme are in every absolute link (RSS,
# sitemap, canonical URL). A client can send any Host: keyed, a forged one only ever reaches the
# client that forged it.
KEYED_HEADERS = (
    "HX-Request",
    "HX-Boosted",
    "HX-Target",
    "HX-History-Restore-Request",
    hdrs.ACCEPT_ENCODING,
    hdrs.X_FORWARDED_HOST,
    hdrs.X_FORWARDED_PROTO,
)
# A page may also vary on these: no request the cache answers carries an Authorization header or
# a session cookie, and by contract (EDGE_CACHE_SESSION_COOKIES) no other cookie changes a page.
# Flask adds `Vary: Cookie` to every page that looked at the session, signed in or not.
VARY_ALLOWED = frozenset({name.lower() for name in KEYED_HEADERS} | {"cookie", "authorization"})
# On a miss the webapp is asked for the whole page, so it can be kept; the gateway then checks
# the client's condition itself.
CONDITIONAL_HEADERS = (hdrs.IF_NONE_MATCH, hdrs.IF_MODIFIED_SINCE)
# What a 304 repeats of the page it stands for (RFC 9110 15.4.5).
NOT_MODIFIED_HEADERS = frozenset(
    name.lower()
    for name in (
        hdrs.CACHE_CONTROL,
        hdrs.CONTENT_LOCATION,
        hdrs.DATE,
        hdrs.ETAG,
        hdrs.EXPIRES,
        hdrs.VARY,
    )
)
UNCACHEABLE_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})


class CacheResult(enum.StrEnum):
    """The X-Cache header of a webapp reply."""

    HIT = "HIT"  # answered from the cache
    MISS = "MISS"  # looked up and not found: fetched from the webapp, and kept if it may be
    BYPASS = "BYPASS"  # not looked up: not an anonymous GET/HEAD, or the cache is off or down


@dataclass(frozen=True)
class CachedPage:
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float  # Unix time, so every replica agrees on the page's age
    # What it shows (its Surrogate-Key header); a purge of any of them drops it.
    keys: frozenset[str] = frozenset()

    def encode(self) -> bytes:
        # Compact JSON never holds a raw newline, so the first one ends the head.
        head = json.dumps(
            {"headers": self.headers, "stored_at": self.stored_at, "keys": sorted(self.keys)}
        )
        return head.encode() + b"\n" + self.body

    @classmethod
    def decode(cls, data: bytes) -> "CachedPage":
        head, _, body = data.partition(b"\n")
        fields = json.loads(head)
        headers = tuple((name, value) for name, value in fields["headers"])
        return cls(headers, body, fields["stored_at"], frozenset(fields["keys"]))


# Stands for what a page that names nothing shows: every purge includes it, so such a page is
# dropped by every write, as before surrogate keys.
UNTAGGED = "*"


def keys_of(page_keys: frozenset[str]) -> frozenset[str]:
    return page_keys or frozenset({UNTAGGED})


@dataclass(frozen=True)
class Position:
    """Where the cache stood when a page was looked up: its generation (every page of an earlier
    one is gone) and its purge sequence (a page fetched from here on is newer than every purge
    up to it)."""

    generation: int = 0
    sequence: int = 0


@dataclass(frozen=True)
class Lookup:
    result: CacheResult
    variant: str = ""
    position: Position = Position()
    page: CachedPage | None = None


BYPASSED = Lookup(CacheResult.BYPASS)


class PageStore(Protocol):
    async def read(self, variant: str) -> tuple[Position, CachedPage | None]:
        """Where the cache stands, and the page kept for `variant` if it is still valid: kept in
        this generation, and none of its keys purged after the sequence it was fetched at."""

    async def write(
        self, position: Position, variant: str, page: CachedPage, ttl_seconds: int
    ) -> None:
        """Keep `page`, fetched after `position` was read."""

    async def purge(self, keys: frozenset[str]) -> None:
        """Drop every page that shows one of `keys` (and every page that names none)."""

    async def next_generation(self) -> None:
        """Drop every page."""


class InProcessPages:
    """The most recently used pages of this process. A new generation empties it; a purge
    stamps its keys with the next sequence number, which makes every page showing one of them,
    kept or being fetched, invalid."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic):
        self._max_entries = max_entries
        self._clock = clock
        self._position = Position()
        # The sequence number of each key's latest purge in this generation.
        self._purged_at: dict[str, int] = {}
        self._entries: OrderedDict[str, tuple[float, int, CachedPage]] = OrderedDict()

    async def read(self, variant: str) -> tuple[Position, CachedPage | None]:
        entry = self._entries.get(variant)
        if entry is None:
            return self._position, None
        expires_at, sequence, page = entry
        if self._clock() >= expires_at or any(
            self._purged_at.get(key, 0) > sequence for key in keys_of(page.keys)
        ):
            del self._entries[variant]
            return self._position, None
        self._entries.move_to_end(variant)
        return self._position, page

    async def write(self, position: Position, variant: str, page: CachedPage, ttl_seconds: int):
        if position.generation != self._position.generation:
            return
        self._entries[variant] = (self._clock() + ttl_seconds, position.sequence, page)
        self._entries.move_to_end(variant)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def purge(self, keys: frozenset[str]) -> None:
        sequence = self._position.sequence + 1
        self._position = Position(self._position.generation, sequence)
        for key in keys | {UNTAGGED}:
            self._purged_at[key] = sequence

    async def next_generation(self) -> None:
        self._position = Position(self._position.generation + 1, self._position.sequence)
        self._purged_at.clear()
        self._entries.clear()


# A purge is remembered this long: longer than any page is kept (PAGE_SECONDS_MAX) plus the
# longest fetch, so no page outlives the stamp that makes it invalid.
PURGE_MEMORY_SECONDS = 24 * 3600
PAGE_SECONDS_MAX = 3600

# The generation, the sequence and the page kept for them, in one round trip: a page is
# returned only if none of its keys was stamped after the sequence it was fetched at. A page
# entry is "<sequence> <key> <key>...\n" then the page. Page and stamp keys are derived here, so
# they cannot be declared in KEYS: fine on one Redis, not on Redis Cluster.
READ_PAGE_SCRIPT = """
local generation = redis.call('GET', KEYS[1]) or '0'
local sequence = redis.call('GET', KEYS[2]) or '0'
local entry = redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])
if entry then
  local fetched_at = nil
  local head = string.sub(entry, 1, string.find(entry, '\\n', 1, true) - 1)
  for key in string.gmatch(head, '%S+') do
    if fetched_at == nil then
      fetched_at = tonumber(key)
    elseif tonumber(redis.call('GET', ARGV[3] .. key) or '0') > fetched_at then
      return {generation, sequence, false}
    end
  end
end
return {generation, sequence, entry}
"""
# The next sequence number, stamped on every purged key, in one round trip.
PURGE_SCRIPT = """
local sequence = redis.call('INCR', KEYS[1])
for i = 3, #ARGV do
  redis.call('SET', ARGV[1] .. ARGV[i], sequence, 'EX', ARGV[2])
end
return sequence
"""


class RedisPages:
    """Pages under `<prefix>edge:page:<generation>:<digest of the variant>`, each expiring on its
    own; the generation and the purge sequence are counters, each purged key's stamp is under
    `<prefix>edge:purged:<key>`. Pages of past generations are never read again."""

    def __init__(self, redis: AsyncGuardedRedis, key_prefix: str):
        self._redis = redis
        self._generation_key = f"{key_prefix}edge:generation"
        self._sequence_key = f"{key_prefix}edge:sequence"
        self._page_prefix = f"{key_prefix}edge:page:"
        self._purged_prefix = f"{key_prefix}edge:purged:"
        self._read_page = redis.client.register_script(READ_PAGE_SCRIPT)
        self._purge = redis.client.register_script(PURGE_SCRIPT)
        # A write was answered while Redis was away: move the generation before trusting a page.
        self._increment_owed = False

    async def read(self, variant: str) -> tuple[Position, CachedPage | None]:
        if self._increment_owed:
            await self.next_generation()
        generation, sequence, entry = await self._redis.run(
            lambda redis: self._read_page(
                keys=[self._generation_key, self._sequence_key],
                args=[self._page_prefix, digest(variant), self._purged_prefix],
                client=redis,
            )
        )
        position = Position(int(generation), int(sequence))
        if entry is None:
            return position, None
        return position, CachedPage.decode(entry.partition(b"\n")[2])

    async def write(self, position: Position, variant: str, page: CachedPage, ttl_seconds: int):
        key = f"{self._page_prefix}{position.generation}:{digest(variant)}"
        head = " ".join((str(position.sequence), *sorted(keys_of(page.keys))))
        entry = head.encode() + b"\n" + page.encode()
        ttl_seconds = min(ttl_seconds, PAGE_SECONDS_MAX)
        await self._redis.run(lambda redis: redis.set(key, entry, ex=ttl_seconds))

    async def purge(self, keys: frozenset[str]) -> None:
        args = [self._purged_prefix, PURGE_MEMORY_SECONDS, UNTAGGED, *sorted(keys - {UNTAGGED})]
        try:
            await self._redis.run(
                lambda redis: self._purge(keys=[self._sequence_key], args=args, client=redis)
            )
        except RedisUnavailable:
            self._increment_owed = True  # owed as a whole new generation: it covers any purge
            raise

    async def next_generation(self) -> None:
        # Cleared before the attempt: a success covers every write answered until now.
        self._increment_owed = False
        try:
            await self._redis.run(lambda redis: redis.incr(self._generation_key))
        except RedisUnavailable:
            self._increment_owed = True
            raise


def digest(variant: str) -> str:
    # Header values may hold undecodable bytes, which aiohttp keeps as surrogates.
    return hashlib.blake2b(variant.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def page_store(settings: Settings, redis: AsyncGuardedRedis | None) -> PageStore | None:
    """Where pages are kept; None turns the cache off."""
    if not settings.EDGE_CACHE_ENABLED:
        return None
    if redis is not None:
        return RedisPages(redis, settings.REDIS_KEY_PREFIX)
    if settings.WEB_CONCURRENCY > 1:
        log.warning(
            "edge cache off: each worker would keep its own pages and miss the others' writes; "
            "set REDIS_URL to share them",
            extra={"workers": settings.WEB_CONCURRENCY},
        )
        return None
    return InProcessPages(settings.EDGE_CACHE_MAX_ENTRIES)


# The edge cache's own request keys (keys.py imports this module, so they cannot live there):
# what the cache did, set before the webapp is asked so that an error reply carries it too; and
# what the upstream's reply shows (its Surrogate-Key header, which the client never sees).
cache_result_key = web.RequestKey("cache_result", CacheResult)
surrogate_keys_key = web.RequestKey("surrogate_keys", frozenset)


class Fetch(Protocol):
    """Forwards the request to the webapp with `headers`. A reply of up to `read_whole_up_to`
    bytes (or the proxy's own threshold, if larger) is read whole, a larger one streamed."""

    def __call__(
        self, headers: CIMultiDict[str], *, read_whole_up_to: int = 0
    ) -> Awaitable[web.StreamResponse]: ...


class EdgeCache:
    def __init__(
        self,
        pages: PageStore | None,
        *,
        webapp_url: str,
        session_cookies: frozenset[str],
        max_entry_bytes: int,
        requests: Counter,
    ):
        self._pages = pages
        self._webapp_url = webapp_url
        self._session_cookies = session_cookies
        self._max_entry_bytes = max_entry_bytes
        self._requests = requests
        self._filling: dict[tuple[int, str], asyncio.Event] = {}

    async def serve(
        self, request: web.Request, upstream_headers: CIMultiDict[str], fetch: Fetch
    ) -> web.StreamResponse:
        """The reply to a request for the webapp: a kept page when there is one (304 when the
        client's copy is still it); else the webapp's reply, asked for once by concurrent
        misses of one page, and kept when it may be."""
        lookup = await self._look_up(request, upstream_headers)
        request[cache_result_key] = lookup.result
        self._requests.labels(lookup.result.lower()).inc()
        if lookup.page is not None:
            return answer(request, lookup.page)
        if lookup.result is not CacheResult.MISS:
            return await fetch(upstream_headers)
        async with self._fill_once(lookup) as first:
            if not first:
                lookup = await self._look_up(request, upstream_headers)  # kept meanwhile?
                if lookup.page is not None:
                    return answer(request, lookup.page)
            # Ask for the whole page so it can be kept; a kept page then answers the condition
            # here (a page that may not be kept is sent whole: correct, if not the cheapest).
            for name in CONDITIONAL_HEADERS:
                upstream_headers.popall(name, None)
            response = await fetch(upstream_headers, read_whole_up_to=self._max_entry_bytes)
            return await self._keep(request, lookup, response)

    async def invalidate(self, keys: frozenset[str] | None = None) -> None:
        """A write was accepted: no page kept before it that shows one of `keys` (what the write
        said it changed; None: anything) may be served after it."""
        if self._pages is None:
            return
        # On failure a new generation is owed (RedisPages.read makes it up before any page is
        # read).
        with contextlib.suppress(RedisUnavailable):
            if keys:
                await self._pages.purge(keys)
            else:
                await self._pages.next_generation()

    @contextlib.asynccontextmanager
    async def _fill_once(self, lookup: Lookup):
        """Concurrent misses of one page in this worker make one webapp request: the first
        (True) fetches and keeps it; the others (False) wait for it, then look again. So an
        expired or invalidated popular page is rendered once, not once per waiting reader."""
        key = (lookup.position.generation, lookup.variant)
        filling = self._filling.get(key)
        if filling is not None:
            await filling.wait()
            yield False
            return
        self._filling[key] = filling = asyncio.Event()
        try:
            yield True
        finally:
            del self._filling[key]
            filling.set()

    async def _look_up(self, request: web.Request, upstream_headers: CIMultiDict[str]) -> Lookup:
        if self._pages is None or not self._is_anonymous_read(request):
            return BYPASSED
        variant = variant_of(request, upstream_headers, self._webapp_url)
        try:
            position, page = await self._pages.read(variant)
        except RedisUnavailable:
            return BYPASSED
        result = CacheResult.MISS if page is None else CacheResult.HIT
        return Lookup(result, variant, position, page)

    async def _keep(
        self, request: web.Request, lookup: Lookup, response: web.StreamResponse
    ) -> web.StreamResponse:
        """What to send for a looked-up request: the webapp's reply, kept when it may be."""
        if lookup.result is not CacheResult.MISS:
            return response
        ttl_seconds = self._seconds_to_keep(request, response)
        if ttl_seconds is None:
            return response
        keys = request.get(surrogate_keys_key, frozenset())
        page = CachedPage(tuple(response.headers.items()), response.body, time.time(), keys)
        with contextlib.suppress(RedisUnavailable):  # not kept, and still the right answer
            await self._pages.write(lookup.position, lookup.variant, page, ttl_seconds)
        return answer(request, page)

    def _is_anonymous_read(self, request: web.Request) -> bool:
        return (
            request.method in CACHED_METHODS
            and hdrs.AUTHORIZATION not in request.headers
            and self._session_cookies.isdisjoint(request.cookies)
        )

    def _seconds_to_keep(self, request: web.Request, response: web.StreamResponse) -> int | None:
        if not (
            request.method == "GET"
            and response.status == 200
            # Read whole; a streamed reply was too large or of unknown length.
            and isinstance(response, web.Response)
            and hdrs.SET_COOKIE not in response.headers
            and varies_only_on_keyed_headers(response)
            and len(response.body) <= self._max_entry_bytes
        ):
            return None
        return shared_max_age(response)


def variant_of(request: web.Request, upstream_headers: CIMultiDict[str], webapp_url: str) -> str:
    """What tells kept pages apart within a generation: who rendered them (two stacks sharing a
    Redis never swap pages), the path and query, and the values of KEYED_HEADERS."""
    values = (",".join(upstream_headers.getall(name, ())) for name in KEYED_HEADERS)
    return "\n".join((webapp_url, request.rel_url.raw_path_qs, *values))


def shared_max_age(response: web.StreamResponse) -> int | None:
    """s-maxage of a `public` reply that nothing else forbids a shared cache to keep."""
    directives = {}
    for value in response.headers.getall(hdrs.CACHE_CONTROL, ()):
        for directive in value.split(","):
            name, _, argument = directive.partition("=")
            directives[name.strip().lower()] = argument.strip().strip('"')
    if "public" not in directives or not UNCACHEABLE_DIRECTIVES.isdisjoint(directives):
        return None
    try:
        seconds = int(directives.get("s-maxage", ""))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def varies_only_on_keyed_headers(response: web.StreamResponse) -> bool:
    named = {
        name.strip().lower()
        for value in response.headers.getall(hdrs.VARY, ())
        for name in value.split(",")
        if name.strip()
    }
    return named <= VARY_ALLOWED  # `Vary: *` is never allowed


def answer(request: web.Request, page: CachedPage) -> web.Response:
    """A kept page as the reply to `request`: 304 when the client's copy is still this page."""
    headers = CIMultiDict(page.headers)
    headers[hdrs.AGE] = str(max(0, int(time.time() - page.stored_at)))
    response = web.Response(body=page.body, headers=headers)
    if not is_not_modified(request, response):
        return response
    kept = CIMultiDict((k, v) for k, v in headers.items() if k.lower() in NOT_MODIFIED_HEADERS)
    return web.Response(status=304, headers=kept)


def is_not_modified(request: web.Request, response: web.Response) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present (weak comparison), else
    If-Modified-Since."""
    if request.if_none_match is not None:
        etag = response.etag
        return etag is not None and any(
            candidate.value in ("*", etag.value) for candidate in request.if_none_match
        )
    since, modified = request.if_modified_since, response.last_modified
    return since is not None and modified is not None and modified <= since
