"""How gunicorn's aiohttp workers run the gateway: a runner whose graceful stop (a reload's
SIGHUP, a rolling update's SIGTERM) drops no request.

aiohttp's own stop closes idle keep-alive connections at once, racing a client that is sending
its next request on one ("closed without response"). Here a stopping worker first stops
accepting (the other workers take new connections), then for one keep-alive period answers
whatever comes on its open connections with `Connection: close`: every client moves over
after one more reply, and a connection idle all that time would have been closed anyway.
"""

import asyncio
from dataclasses import dataclass

from aiohttp import hdrs, web

from api_gateway.app import create_app
from api_gateway.settings import load_settings


@dataclass
class Lifecycle:
    draining: bool = False


lifecycle_key = web.AppKey("lifecycle", Lifecycle)


async def close_while_draining(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: while the worker drains, every reply ends its connection.

    aiohttp has already chosen the Connection header when this signal fires, so the header is
    set here too: a connection closed after a reply that did not say so races the client's
    next request on it (a reset, or "closed without response").
    """
    if request.app[lifecycle_key].draining:
        response.force_close()
        response.headers[hdrs.CONNECTION] = "close"


class DrainingRunner(web.AppRunner):
    def __init__(self, app: web.Application, *, drain_seconds: float, **kwargs) -> None:
        app[lifecycle_key] = Lifecycle()
        app.on_response_prepare.append(close_while_draining)
        super().__init__(app, **kwargs)
        self._drain_seconds = drain_seconds

    async def cleanup(self) -> None:
        for site in list(self.sites):
            await site.stop()
        self.app[lifecycle_key].draining = True
        await asyncio.sleep(self._drain_seconds)
        await super().cleanup()


async def gunicorn_runner() -> DrainingRunner:
    """Gunicorn's entry point (gunicorn.conf.py): aiohttp's worker runs the runner it returns."""
    settings = load_settings()
    return DrainingRunner(
        create_app(settings),
        drain_seconds=settings.WEB_KEEPALIVE,
        keepalive_timeout=settings.WEB_KEEPALIVE,
        # As aiohttp's worker does: in-flight requests get most of gunicorn's graceful timeout.
        shutdown_timeout=max(settings.WEB_GRACEFUL_TIMEOUT - settings.WEB_KEEPALIVE, 1) * 0.95,
        access_log=None,
    )
