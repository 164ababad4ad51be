"""Starlette on uvicorn (httptools + uvloop when installed) + one pooled httpx.AsyncClient."""

import contextlib
import sys

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route


def main(port: int, upstream: str) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app):
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with httpx.AsyncClient(base_url=upstream, limits=limits) as client:
            app.state.client = client
            yield

    async def proxy(request):
        reply = await request.app.state.client.get(request.url.path)
        return Response(
            reply.content, reply.status_code, media_type=reply.headers.get("content-type")
        )

    app = Starlette(routes=[Route("/{tail:path}", proxy)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
