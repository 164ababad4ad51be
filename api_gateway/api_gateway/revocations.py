"""auth_service's revocation feed, read in the background (titanium_common.revocations).

Each worker keeps its own RevocationList: read once before the gateway serves, then every
REVOCATION_POLL_SECONDS by a task, so checking a token costs a dictionary lookup and no request
waits for auth_service. While the feed cannot be read the gateway keeps what it knows and says
so once in the log: tokens still expire, and a password change needs auth_service anyway.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from api_gateway.keys import (
    revocations_key,
    settings_key,
    upstream_session_key,
    upstream_urls_key,
)
from titanium_common.identity import REVOCATIONS_PATH
from titanium_common.revocations import (
    MAX_PAGES_PER_POLL,
    RevocationList,
    feed_query,
)

FETCH_TIMEOUT = aiohttp.ClientTimeout(total=3)


class FeedReader:
    def __init__(self, session: aiohttp.ClientSession, url: str, revocations: RevocationList):
        self._session = session
        self._url = url
        self.revocations = revocations

    async def poll(self) -> None:
        """Read what is new, page after page; a failure is left for the next poll."""
        try:
            for _ in range(MAX_PAGES_PER_POLL):
                async with self._session.get(
                    self._url, params=feed_query(self.revocations), timeout=FETCH_TIMEOUT
                ) as reply:
                    reply.raise_for_status()
                    page = await reply.json(content_type=None)
                if self.revocations.apply(page):
                    return
        # ValueError: not JSON, or not a feed page (titanium_common.revocations.MalformedFeed).
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            self.revocations.read_failed(error)

    async def poll_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.poll()


async def revocation_feed(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context (after upstream_session): the list, and the task that keeps it fresh."""
    settings = app[settings_key]
    # Past a token's longest lifetime, every token a revocation ended has expired anyway.
    app[revocations_key] = RevocationList(keep_seconds=settings.TOKEN_TTL_SECONDS)
    reader = FeedReader(
        app[upstream_session_key],
        app[upstream_urls_key]["auth_service"] + REVOCATIONS_PATH,
        app[revocations_key],
    )
    await reader.poll()
    task = asyncio.create_task(reader.poll_every(settings.REVOCATION_POLL_SECONDS))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
