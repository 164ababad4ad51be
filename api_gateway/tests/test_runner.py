"""A worker's graceful stop: once it drains, every reply tells the client the connection ends,
so a client never sends its next request on a connection the worker is about to close."""

import asyncio

from aiohttp import web

from api_gateway.runner import DrainingRunner

from .conftest import free_port

REQUEST = b"GET / HTTP/1.1\r\nHost: gateway\r\n\r\n"


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


async def reply_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
    writer.write(REQUEST)
    head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
    await reader.readexactly(len("hello"))
    return head


async def test_a_draining_worker_says_connection_close_on_every_reply_of_an_open_connection():
    app = web.Application()
    app.router.add_get("/", hello)
    runner = DrainingRunner(app, drain_seconds=1, keepalive_timeout=5)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    before = await reply_headers(reader, writer)
    stopping = asyncio.create_task(runner.cleanup())
    await asyncio.sleep(0.1)
    during = await reply_headers(reader, writer)
    closed = await reader.read()
    await stopping
    writer.close()

    assert "connection: close" not in before
    assert "connection: close" in during
    assert closed == b"", "the worker ends the connection it said it would"
