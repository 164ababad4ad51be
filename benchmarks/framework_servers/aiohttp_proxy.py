"""aiohttp.web server + one pooled aiohttp.ClientSession, on the stdlib asyncio loop."""

import asyncio
import sys

import aiohttp
from aiohttp import web


def proxy_app(upstream: str) -> web.Application:
    async def client_session(app):
        connector = aiohttp.TCPConnector(limit=256)
        async with aiohttp.ClientSession(upstream, connector=connector) as session:
            app["session"] = session
            yield

    async def proxy(request):
        async with request.app["session"].get(request.rel_url) as reply:
            body = await reply.read()
            return web.Response(status=reply.status, body=body, content_type=reply.content_type)

    app = web.Application()
    app.cleanup_ctx.append(client_session)
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


def main(port: int, upstream: str, loop: asyncio.AbstractEventLoop | None = None) -> None:
    web.run_app(
        proxy_app(upstream), host="127.0.0.1", port=port, access_log=None, print=None, loop=loop
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
