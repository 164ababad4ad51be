"""The edge page cache: what is kept, for whom, for how long, and how writes drop it: only the
pages showing what a write named, every page for any other write."""

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from multidict import CIMultiDict
from redis.asyncio import Redis

from api_gateway.edge_cache import CachedPage, EdgeCache, InProcessPages, Position
from api_gateway.keys import upstream_urls_key
from tests.conftest import internal_get
from tests.test_ratelimit import DEAD_REDIS
from titanium_common.caching import PURGE_HEADER, SURROGATE_KEY_HEADER, UNCHANGED_HEADER
from titanium_common.testing import redis_key_prefix

PUBLIC = "public, max-age=0, s-maxage=30"
LAST_MODIFIED = "Wed, 25 Nov 2026 10:00:00 GMT"
USER_ID = "5f1d7c2e-8a3b-4c6d-9e0f-1a2b3c4d5e6f"


@dataclass
class FakeWebapp:
    """Stands in for webapp. A page names its kind (full page, or htmx fragment), its path and
    the content version, which every accepted write increments; a feed (*.xml) adds its absolute
    link. A page under /show/<keys> names those keys (comma-separated) as what it shows; a write
    with ?purge=<keys> names them as what it changed. Tests set the headers of pages and the
    status of writes, and read how often pages were rendered."""

    page_headers: dict[str, str] = field(
        default_factory=lambda: {"Cache-Control": PUBLIC, "Vary": "HX-Request, Cookie"}
    )
    page_status: int = 200
    sets_cookie: bool = False
    write_status: int = 303
    write_delay: float = 0.0
    version: int = 0
    renders: int = 0
    page_requests: list[CIMultiDict[str]] = field(default_factory=list)
    # When set, a rendered page waits for it before it is sent (a reader racing a writer).
    hold_pages: asyncio.Event | None = None
    page_rendered: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def page(self, request: web.Request) -> web.Response:
        self.renders += 1
        self.page_requests.append(request.headers.copy())
        kind = "fragment" if request.headers.get("HX-Request") else "page"
        body = f"{kind} of {request.path_qs}, version {self.version}"
        if request.path.endswith(".xml"):  # absolute links, as ProxyFix lets Flask build them
            forwarded = request.headers
            body += f", {forwarded['X-Forwarded-Proto']}://{forwarded['X-Forwarded-Host']}/"
        response = web.Response(
            text=body, status=self.page_status, content_type="text/html", headers=self.page_headers
        )
        response.headers["ETag"] = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        response.headers["Last-Modified"] = LAST_MODIFIED
        if request.path.startswith("/show/"):
            response.headers[SURROGATE_KEY_HEADER] = request.path[6:].replace(",", " ")
        if self.sets_cookie:
            response.set_cookie("visited", "yes")
        self.page_rendered.set()
        if self.hold_pages is not None:
            await self.hold_pages.wait()
        return response

    async def write(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.write_delay)
        if request.query.get("unchanged"):  # a sign-in or a preview: no page changes
            return web.Response(text="nothing changed", headers={UNCHANGED_HEADER: "1"})
        if self.write_status < 400:
            self.version += 1
        purge = {PURGE_HEADER: request.query["purge"]} if "purge" in request.query else {}
        if request.query.get("stream"):  # no Content-Length: the gateway streams this reply
            response = web.StreamResponse(status=self.write_status, headers=purge)
            await response.prepare(request)
            await response.write(b"written")
            await response.write_eof()
            return response
        return web.Response(status=self.write_status, text="written", headers=purge)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.page)  # answers HEAD too
        app.router.add_route("*", "/{tail:.*}", self.write)
        return app


@pytest.fixture
async def webapp(aiohttp_server) -> FakeWebapp:
    fake = FakeWebapp()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def make_cached_gateway(make_gateway, webapp):
    async def make(**overrides):
        return await make_gateway(WEBAPP_URL=webapp.url, **overrides)

    return make


@pytest.fixture
async def gateway(make_cached_gateway):
    return await make_cached_gateway()


async def fetch(client, path: str = "/", method: str = "GET", **options) -> tuple[str, str, int]:
    """(X-Cache, body, status) of one request."""
    response = await client.request(method, path, **options)
    return response.headers.get("X-Cache", ""), await response.text(), response.status


async def test_a_page_is_rendered_once_then_served_from_the_cache(gateway, webapp):
    first = await fetch(gateway, "/articles/hello")
    second = await gateway.get("/articles/hello")

    assert first == ("MISS", "page of /articles/hello, version 0", 200)
    assert second.headers["X-Cache"] == "HIT"
    assert await second.text() == first[1]
    assert second.headers["Cache-Control"] == PUBLIC
    assert second.headers["Content-Type"].startswith("text/html")
    assert int(second.headers["Age"]) >= 0
    assert webapp.renders == 1


async def test_readers_missing_the_same_page_at_once_make_one_render(gateway, webapp):
    webapp.hold_pages = asyncio.Event()
    readers = [asyncio.create_task(fetch(gateway, "/popular")) for _ in range(10)]
    await webapp.page_rendered.wait()
    await asyncio.sleep(0.05)  # let every other reader reach the cache and queue behind
    webapp.hold_pages.set()

    answers = await asyncio.gather(*readers)

    assert webapp.renders == 1
    assert {body for _, body, _ in answers} == {"page of /popular, version 0"}


async def test_a_reader_waiting_on_a_page_that_may_not_be_kept_fetches_it_itself(gateway, webapp):
    webapp.sets_cookie = True  # never kept
    webapp.hold_pages = asyncio.Event()
    first = asyncio.create_task(fetch(gateway, "/personal"))
    await webapp.page_rendered.wait()
    second = asyncio.create_task(fetch(gateway, "/personal"))
    await asyncio.sleep(0.05)
    webapp.hold_pages.set()

    assert [status for *_, status in await asyncio.gather(first, second)] == [200, 200]
    assert webapp.renders == 2


async def test_query_strings_are_separate_pages(gateway, webapp):
    await fetch(gateway, "/?page=1")

    assert await fetch(gateway, "/?page=2") == ("MISS", "page of /?page=2, version 0", 200)
    assert (await fetch(gateway, "/?page=1"))[0] == "HIT"


async def test_head_is_answered_from_a_kept_page(gateway, webapp):
    await fetch(gateway, "/tags")

    response = await gateway.head("/tags")

    assert response.headers["X-Cache"] == "HIT"
    assert int(response.headers["Content-Length"]) == len("page of /tags, version 0")
    assert await response.read() == b""
    assert webapp.renders == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"headers": {"Authorization": "Token not-even-a-jwt"}},
        {"headers": {"Authorization": "Basic YWRhOnNlY3JldA=="}},
        {"headers": {"Cookie": "session=signed-in"}},
        {"headers": {"Cookie": "theme=dark; session=signed-in"}},
    ],
    ids=["token", "other-scheme", "session-cookie", "session-among-cookies"],
)
async def test_signed_in_requests_are_never_answered_or_kept(gateway, webapp, credentials):
    await fetch(gateway, "/")  # an anonymous copy is kept

    for _ in range(2):
        assert await fetch(gateway, "/", **credentials) == ("BYPASS", "page of /, version 0", 200)

    assert webapp.renders == 3


async def test_a_valid_token_bypasses_the_cache(gateway, webapp, signing_key):
    signed_in = {"Authorization": f"Token {signing_key.token(USER_ID)}"}
    await fetch(gateway, "/")

    assert (await fetch(gateway, "/", headers=signed_in))[0] == "BYPASS"
    assert webapp.page_requests[-1]["X-Titanium-User-Id"] == USER_ID


async def test_cookies_other_than_the_session_keep_a_request_anonymous(gateway):
    await fetch(gateway, "/")

    assert (await fetch(gateway, "/", headers={"Cookie": "theme=dark"}))[0] == "HIT"


async def test_session_cookie_names_come_from_settings(make_cached_gateway):
    gateway = await make_cached_gateway(EDGE_CACHE_SESSION_COOKIES="sid, remember_token")
    await fetch(gateway, "/")

    assert (await fetch(gateway, "/", headers={"Cookie": "remember_token=x"}))[0] == "BYPASS"
    assert (await fetch(gateway, "/", headers={"Cookie": "session=x"}))[0] == "HIT"


async def test_a_page_that_sets_a_cookie_is_never_kept(gateway, webapp):
    webapp.sets_cookie = True

    first = await gateway.get("/")
    second = await gateway.get("/")

    assert [first.headers["X-Cache"], second.headers["X-Cache"]] == ["MISS", "MISS"]
    assert "visited=yes" in second.headers["Set-Cookie"]
    assert webapp.renders == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "private, no-store"},
        {"Cache-Control": "public, no-store, s-maxage=30"},
        {"Cache-Control": "public, no-cache, s-maxage=30"},
        {"Cache-Control": 'private="Set-Cookie", s-maxage=30'},
        {"Cache-Control": "public, max-age=60"},
        {"Cache-Control": "s-maxage=30"},
        {"Cache-Control": "public, s-maxage=0"},
        {"Cache-Control": "public, s-maxage=soon"},
        {},
        {"Cache-Control": PUBLIC, "Vary": "*"},
        {"Cache-Control": PUBLIC, "Vary": "HX-Request, Accept-Language"},
    ],
)
async def test_pages_not_marked_public_for_shared_caches_are_never_kept(gateway, webapp, headers):
    webapp.page_headers = headers

    statuses = [(await fetch(gateway, "/"))[0] for _ in range(2)]

    assert statuses == ["MISS", "MISS"]
    assert webapp.renders == 2


@pytest.mark.parametrize("status", [203, 404, 500])
async def test_only_200_pages_are_kept(gateway, webapp, status):
    webapp.page_status = status

    results = [await fetch(gateway, "/") for _ in range(2)]

    assert results == [("MISS", "page of /, version 0", status)] * 2


async def test_pages_above_the_size_limit_are_not_kept(make_cached_gateway, webapp):
    gateway = await make_cached_gateway(EDGE_CACHE_MAX_ENTRY_BYTES=10)

    statuses = [(await fetch(gateway, "/"))[0] for _ in range(2)]

    assert statuses == ["MISS", "MISS"]


async def test_htmx_fragments_and_full_pages_are_kept_apart(gateway, webapp):
    htmx = {"HX-Request": "true"}
    await fetch(gateway, "/")
    await fetch(gateway, "/", headers=htmx)

    assert await fetch(gateway, "/") == ("HIT", "page of /, version 0", 200)
    assert await fetch(gateway, "/", headers=htmx) == ("HIT", "fragment of /, version 0", 200)
    assert webapp.renders == 2


@pytest.mark.parametrize(
    "forged",
    [{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {"X-Forwarded-Proto": "evil"}],
)
async def test_a_host_forged_by_one_client_never_reaches_another(gateway, forged):
    for _ in range(2):
        assert "evil" in (await fetch(gateway, "/feed.xml", headers=forged))[1]

    result, feed, _ = await fetch(gateway, "/feed.xml")

    assert result == "MISS"
    assert "evil" not in feed
    assert feed.endswith(f", http://{gateway.host}:{gateway.port}/")


async def test_encodings_are_kept_apart(gateway, webapp):
    webapp.page_headers = {"Cache-Control": PUBLIC, "Vary": "Accept-Encoding"}
    await fetch(gateway, "/", headers={"Accept-Encoding": "gzip"})

    assert (await fetch(gateway, "/", headers={"Accept-Encoding": "br"}))[0] == "MISS"
    assert (await fetch(gateway, "/", headers={"Accept-Encoding": "gzip"}))[0] == "HIT"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/editor"),  # a web UI form (webapp)
        ("PUT", "/api/articles/hello"),  # the JSON API (webapp)
        ("DELETE", "/api/articles/hello/comments/1"),
        ("PATCH", "/settings"),
        ("PUT", "/api/user"),  # a profile change (auth_service)
        ("POST", "/api/profiles/ada/follow"),  # a follow (user_service)
    ],
)
async def test_an_accepted_write_that_names_nothing_drops_every_kept_page(
    gateway, webapp, method, path
):
    await fetch(gateway, "/")
    await fetch(gateway, "/articles/hello")
    webapp.version += 1  # as if the write had changed what every page shows

    write = await gateway.request(method, path, allow_redirects=False)

    assert write.status < 400
    assert await fetch(gateway, "/") == ("MISS", f"page of /, version {webapp.version}", 200)
    assert (await fetch(gateway, "/articles/hello"))[0] == "MISS"
    assert (await fetch(gateway, "/"))[0] == "HIT"


@pytest.mark.parametrize("status", [400, 409, 422, 500, 503])
async def test_a_write_answered_with_an_error_still_drops_the_cache(gateway, webapp, status):
    """Issue 10: a write can commit and then fail building its reply (a 503 from an upstream,
    a 500), so only the upstream can tell that nothing changed."""
    await fetch(gateway, "/")
    webapp.write_status = status

    assert (await gateway.post("/editor")).status == status
    assert (await fetch(gateway, "/"))[0] == "MISS"


async def test_a_write_that_times_out_drops_the_cache(make_cached_gateway, webapp):
    gateway = await make_cached_gateway(UPSTREAM_READ_TIMEOUT_SECONDS=0.2)
    await fetch(gateway, "/")
    webapp.write_delay = 1.0  # it may commit, but the gateway stops waiting first

    reply = await gateway.post("/editor")

    assert reply.status == 504
    assert (await fetch(gateway, "/"))[0] == "MISS"


async def test_a_write_that_never_reached_the_upstream_keeps_the_cache(gateway):
    await fetch(gateway, "/")
    urls = gateway.server.app[upstream_urls_key]
    kept, urls["webapp"] = urls["webapp"], "http://127.0.0.1:1"  # connection refused at once

    reply = await gateway.post("/editor")
    urls["webapp"] = kept

    assert reply.status == 502
    assert (await fetch(gateway, "/"))[0] == "HIT"


@pytest.mark.parametrize("path", ["/editor", "/editor?stream=1"], ids=["buffered", "streamed"])
async def test_a_write_drops_only_the_pages_showing_what_it_named(gateway, webapp, path):
    """Issue 12: a comment on one article used to evict every other page."""
    pages = ["/show/article-1,articles", "/show/article-2", "/show/articles,author-a"]
    for page in pages:
        await fetch(gateway, page)

    write = await gateway.post(
        f"{path}&purge=article-1" if "?" in path else f"{path}?purge=article-1"
    )

    assert write.status == 303
    assert PURGE_HEADER not in write.headers
    assert await fetch(gateway, pages[0]) == ("MISS", f"page of {pages[0]}, version 1", 200)
    assert [(await fetch(gateway, page))[0] for page in pages] == ["HIT", "HIT", "HIT"]
    assert webapp.renders == 4


async def test_a_write_naming_several_keys_drops_every_page_showing_one(gateway, webapp):
    pages = ["/show/article-1", "/show/articles", "/show/author-a", "/show/tags"]
    for page in pages:
        await fetch(gateway, page)

    await gateway.post("/editor?purge=article-1+author-a", allow_redirects=False)

    assert [(await fetch(gateway, page))[0] for page in pages] == ["MISS", "HIT", "MISS", "HIT"]


async def test_a_page_that_names_nothing_it_shows_is_dropped_by_every_write(gateway, webapp):
    await fetch(gateway, "/about")
    await fetch(gateway, "/show/article-2")

    await gateway.post("/editor?purge=article-1", allow_redirects=False)

    assert await fetch(gateway, "/about") == ("MISS", "page of /about, version 1", 200)
    assert (await fetch(gateway, "/show/article-2"))[0] == "HIT"


@pytest.mark.parametrize("status", [400, 422, 500, 503])
async def test_a_write_answered_with_an_error_drops_every_page_whatever_it_names(
    gateway, webapp, status
):
    await fetch(gateway, "/show/article-2")
    webapp.write_status = status

    assert (await gateway.post("/editor?purge=article-1")).status == status
    assert (await fetch(gateway, "/show/article-2"))[0] == "MISS"


async def test_an_empty_purge_drops_every_page(gateway, webapp):
    await fetch(gateway, "/show/article-2")

    await gateway.post("/editor?purge=+", allow_redirects=False)

    assert (await fetch(gateway, "/show/article-2"))[0] == "MISS"


async def test_surrogate_keys_never_reach_the_client(gateway):
    first = await gateway.get("/show/article-1")
    second = await gateway.get("/show/article-1")

    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert SURROGATE_KEY_HEADER not in first.headers
    assert SURROGATE_KEY_HEADER not in second.headers


async def test_a_page_fetched_during_a_write_to_what_it_shows_is_not_served_after_it(
    gateway, webapp
):
    webapp.hold_pages = asyncio.Event()
    reader = asyncio.create_task(gateway.get("/show/article-1"))
    await webapp.page_rendered.wait()

    write = await gateway.post("/editor?purge=article-1", allow_redirects=False)
    webapp.hold_pages.set()

    assert write.status == 303
    assert await (await reader).text() == "page of /show/article-1, version 0"
    assert await fetch(gateway, "/show/article-1") == (
        "MISS",
        "page of /show/article-1, version 1",
        200,
    )


async def test_a_page_fetched_during_a_write_to_something_else_is_kept(gateway, webapp):
    webapp.hold_pages = asyncio.Event()
    reader = asyncio.create_task(gateway.get("/show/article-2"))
    await webapp.page_rendered.wait()

    await gateway.post("/editor?purge=article-1", allow_redirects=False)
    webapp.hold_pages.set()
    await reader

    assert (await fetch(gateway, "/show/article-2"))[0] == "HIT"


@pytest.mark.parametrize("path", ["/editor", "/editor?stream=1"], ids=["buffered", "streamed"])
async def test_the_writer_hears_back_only_after_the_cache_moved_on(
    gateway, webapp, monkeypatch, path
):
    events = []
    invalidate = EdgeCache.invalidate

    async def slow_invalidate(cache, keys=None):
        await asyncio.sleep(0.05)
        await invalidate(cache, keys)
        events.append("invalidated")

    monkeypatch.setattr(EdgeCache, "invalidate", slow_invalidate)
    await fetch(gateway, "/")

    response = await gateway.post(path, allow_redirects=False)
    events.append("writer answered")

    assert response.status == 303
    assert events == ["invalidated", "writer answered"]
    assert await fetch(gateway, "/") == ("MISS", "page of /, version 1", 200)


async def test_a_page_fetched_during_a_write_is_not_served_after_it(gateway, webapp):
    """A reader's page rendered before the write lands must not outlive the write."""
    webapp.hold_pages = asyncio.Event()
    reader = asyncio.create_task(gateway.get("/"))
    await webapp.page_rendered.wait()

    assert (await gateway.post("/editor", allow_redirects=False)).status == 303
    webapp.hold_pages.set()
    assert await (await reader).text() == "page of /, version 0"

    assert await fetch(gateway, "/") == ("MISS", "page of /, version 1", 200)


async def test_a_kept_page_expires_after_s_maxage(gateway, webapp):
    webapp.page_headers = {"Cache-Control": "public, s-maxage=1"}
    await fetch(gateway, "/")
    assert (await fetch(gateway, "/"))[0] == "HIT"

    await asyncio.sleep(1.1)

    assert (await fetch(gateway, "/"))[0] == "MISS"
    assert webapp.renders == 2


async def test_a_matching_if_none_match_is_answered_304(gateway, webapp):
    etag = (await gateway.get("/")).headers["ETag"]

    response = await gateway.get("/", headers={"If-None-Match": f'W/"other", {etag}'})

    assert response.status == 304
    assert response.headers["X-Cache"] == "HIT"
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == PUBLIC
    assert await response.read() == b""
    assert (await gateway.get("/", headers={"If-None-Match": '"other"'})).status == 200
    assert (await gateway.get("/", headers={"If-None-Match": "*"})).status == 304
    assert webapp.renders == 1


async def test_if_modified_since_is_answered_304_when_the_page_is_not_newer(gateway):
    await fetch(gateway, "/")

    same = await gateway.get("/", headers={"If-Modified-Since": LAST_MODIFIED})
    older = await gateway.get("/", headers={"If-Modified-Since": "Tue, 24 Nov 2026 10:00:00 GMT"})

    assert (same.status, older.status) == (304, 200)


async def test_a_conditional_miss_fetches_the_whole_page_and_keeps_it(gateway, webapp):
    etag = (await gateway.get("/")).headers["ETag"]
    await gateway.post("/editor", allow_redirects=False)  # the next request is a miss
    webapp.version -= 1  # ... that renders the same page again

    response = await gateway.get("/", headers={"If-None-Match": etag})

    assert (response.status, response.headers["X-Cache"]) == (304, "MISS")
    assert "If-None-Match" not in webapp.page_requests[-1]
    assert (await fetch(gateway, "/"))[0] == "HIT"


async def test_concurrent_conditional_misses_make_one_render_and_each_get_their_answer(
    gateway, webapp
):
    etag = (await gateway.get("/")).headers["ETag"]
    await gateway.post("/editor", allow_redirects=False)  # the next requests miss
    webapp.version -= 1  # ... and render the same page again
    webapp.hold_pages, webapp.page_rendered = asyncio.Event(), asyncio.Event()
    conditions = [
        {"If-None-Match": etag},
        {},
        {"If-None-Match": '"other"'},
        {"If-None-Match": etag},
    ]
    readers = [asyncio.create_task(fetch(gateway, "/", headers=c)) for c in conditions]
    await webapp.page_rendered.wait()
    await asyncio.sleep(0.05)  # let every other reader reach the cache and queue behind
    webapp.hold_pages.set()

    answers = await asyncio.gather(*readers)

    assert [(result, status) for result, _, status in answers] == [
        ("MISS", 304),
        ("MISS", 200),
        ("MISS", 200),
        ("MISS", 304),
    ]
    assert webapp.renders == 2
    assert "If-None-Match" not in webapp.page_requests[-1]


async def test_only_webapp_replies_carry_x_cache(gateway):
    assert "X-Cache" not in (await gateway.get("/api/profiles/ada")).headers
    assert (await gateway.get("/api/tags")).headers["X-Cache"] == "MISS"


async def test_cache_results_are_counted(gateway):
    await fetch(gateway, "/")
    await fetch(gateway, "/")
    await fetch(gateway, "/", headers={"Cookie": "session=x"})

    text = await (await internal_get(gateway, "/metrics")).text()

    for result in ("hit", "miss", "bypass"):
        assert f'titanium_gateway_edge_cache_requests_total{{result="{result}"}} 1.0' in text


async def test_the_cache_can_be_turned_off(make_cached_gateway, webapp):
    gateway = await make_cached_gateway(EDGE_CACHE_ENABLED=False)

    statuses = [(await fetch(gateway, "/"))[0] for _ in range(2)]
    write = await gateway.post("/editor", allow_redirects=False)

    assert statuses == ["BYPASS", "BYPASS"]
    assert webapp.renders == 2
    assert (write.status, write.headers["X-Cache"]) == (303, "BYPASS")


async def test_several_workers_without_redis_turn_the_cache_off(make_cached_gateway, caplog):
    with caplog.at_level(logging.WARNING, logger="api_gateway.edge_cache"):
        gateway = await make_cached_gateway(REDIS_URL="", WEB_CONCURRENCY=2)

    statuses = [(await fetch(gateway, "/"))[0] for _ in range(2)]

    assert statuses == ["BYPASS", "BYPASS"]
    assert len([r for r in caplog.records if r.message.startswith("edge cache off")]) == 1


async def test_an_unreachable_redis_is_bypassed_quickly(make_cached_gateway, webapp):
    gateway = await make_cached_gateway(REDIS_URL=DEAD_REDIS)

    started = time.monotonic()
    reads = [await fetch(gateway, "/") for _ in range(3)]
    write = await gateway.post("/editor", allow_redirects=False)
    after = await fetch(gateway, "/")

    assert reads == [("BYPASS", "page of /, version 0", 200)] * 3
    assert write.status == 303
    assert after == ("BYPASS", "page of /, version 1", 200)
    assert time.monotonic() - started < 1.0


@pytest.fixture
def needs_redis(backend):
    if not backend.redis_url:
        pytest.skip("pages are in process in this run; needs the Redis backend")
    return backend.redis_url


async def test_replicas_share_pages_and_writes_in_redis(make_cached_gateway, webapp, needs_redis):
    shared = {"REDIS_KEY_PREFIX": redis_key_prefix("api_gateway"), "WEB_CONCURRENCY": 4}
    replica_a = await make_cached_gateway(**shared)
    replica_b = await make_cached_gateway(**shared)
    site = {"Host": "blog.example"}  # behind one load balancer, replicas see the same host

    assert (await fetch(replica_a, "/", headers=site))[0] == "MISS"
    assert (await fetch(replica_b, "/", headers=site))[0] == "HIT"
    assert (await replica_b.post("/editor", headers=site, allow_redirects=False)).status == 303
    assert await fetch(replica_a, "/", headers=site) == ("MISS", "page of /, version 1", 200)
    assert (await fetch(replica_b, "/", headers=site))[0] == "HIT"
    assert webapp.renders == 2


async def test_a_starting_gateway_does_not_trust_pages_kept_before_it(
    make_cached_gateway, needs_redis
):
    shared = {"REDIS_KEY_PREFIX": redis_key_prefix("api_gateway")}
    running = await make_cached_gateway(**shared)
    await fetch(running, "/")

    await make_cached_gateway(**shared)  # e.g. after a database restore and a restart

    assert (await fetch(running, "/"))[0] == "MISS"


async def test_stacks_sharing_a_redis_never_swap_pages(
    make_gateway, webapp, aiohttp_server, needs_redis
):
    other_webapp = FakeWebapp(version=7)
    other_url = str((await aiohttp_server(other_webapp.app())).make_url("")).rstrip("/")
    shared = {"REDIS_KEY_PREFIX": redis_key_prefix("api_gateway")}
    ours = await make_gateway(WEBAPP_URL=webapp.url, **shared)
    theirs = await make_gateway(WEBAPP_URL=other_url, **shared)
    await fetch(ours, "/")

    assert await fetch(theirs, "/") == ("MISS", "page of /, version 7", 200)
    assert await fetch(ours, "/") == ("HIT", "page of /, version 0", 200)


async def test_a_write_answered_while_redis_failed_moves_the_generation_later(
    make_cached_gateway, webapp, needs_redis, monkeypatch
):
    gateway = await make_cached_gateway(REDIS_BACKOFF_SECONDS=0, RATE_LIMIT_REQUESTS=0)
    await fetch(gateway, "/")

    async def refused(*args, **kwargs):
        raise ConnectionError("Redis went away")

    with monkeypatch.context() as patch:
        patch.setattr(Redis, "incr", refused)
        assert (await gateway.post("/editor", allow_redirects=False)).status == 303

    assert await fetch(gateway, "/") == ("MISS", "page of /, version 1", 200)


async def test_a_purge_answered_while_redis_failed_drops_every_page_later(
    make_cached_gateway, webapp, needs_redis, monkeypatch
):
    gateway = await make_cached_gateway(REDIS_BACKOFF_SECONDS=0, RATE_LIMIT_REQUESTS=0)
    await fetch(gateway, "/show/article-2")

    async def refused(*args, **kwargs):
        raise ConnectionError("Redis went away")

    with monkeypatch.context() as patch:
        patch.setattr(Redis, "evalsha", refused)
        write = await gateway.post("/editor?purge=article-1", allow_redirects=False)

    assert write.status == 303
    assert (await fetch(gateway, "/show/article-2"))[0] == "MISS"


async def test_replicas_share_purges_in_redis(make_cached_gateway, webapp, needs_redis):
    shared = {"REDIS_KEY_PREFIX": redis_key_prefix("api_gateway"), "WEB_CONCURRENCY": 4}
    replica_a = await make_cached_gateway(**shared)
    replica_b = await make_cached_gateway(**shared)
    site = {"Host": "blog.example"}
    for page in ("/show/article-1", "/show/article-2"):
        await fetch(replica_a, page, headers=site)

    await replica_b.post("/editor?purge=article-1", headers=site, allow_redirects=False)

    assert (await fetch(replica_a, "/show/article-1", headers=site))[0] == "MISS"
    assert (await fetch(replica_a, "/show/article-2", headers=site))[0] == "HIT"


def test_pages_survive_their_encoding():
    page = CachedPage(
        (("Content-Type", "text/html"), ("Vary", "HX-Request")),
        b"a\nb\x00",
        1.5,
        frozenset({"article-1", "tags"}),
    )

    assert CachedPage.decode(page.encode()) == page


async def test_the_in_process_store_forgets_the_least_recently_used_page():
    pages = InProcessPages(max_entries=2)
    page = CachedPage((), b"x", 0.0)
    for variant in ("a", "b"):
        await pages.write(Position(), variant, page, 60)
    await pages.read("a")

    await pages.write(Position(), "c", page, 60)

    assert [(await pages.read(variant))[1] is not None for variant in "abc"] == [True, False, True]


async def test_the_in_process_store_does_not_keep_a_page_from_an_earlier_generation():
    pages = InProcessPages(max_entries=10)
    position, _ = await pages.read("a")
    await pages.next_generation()

    await pages.write(position, "a", CachedPage((), b"old", 0.0), 60)

    assert (await pages.read("a"))[1] is None


async def test_the_in_process_store_drops_only_pages_showing_a_purged_key():
    pages = InProcessPages(max_entries=10)
    position, _ = await pages.read("a")
    await pages.write(position, "a", CachedPage((), b"a", 0.0, frozenset({"article-1"})), 60)
    await pages.write(position, "b", CachedPage((), b"b", 0.0, frozenset({"article-2"})), 60)

    await pages.purge(frozenset({"article-1"}))

    assert (await pages.read("a"))[1] is None
    assert (await pages.read("b"))[1] is not None


async def test_the_in_process_store_does_not_serve_a_page_fetched_before_a_purge_of_its_keys():
    pages = InProcessPages(max_entries=10)
    position, _ = await pages.read("a")
    await pages.purge(frozenset({"article-1"}))

    await pages.write(position, "a", CachedPage((), b"old", 0.0, frozenset({"article-1"})), 60)
    await pages.write(position, "b", CachedPage((), b"b", 0.0, frozenset({"article-2"})), 60)

    assert (await pages.read("a"))[1] is None
    assert (await pages.read("b"))[1] is not None
