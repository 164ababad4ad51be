"""Which async framework should the gateway use? Measure a bare pass-through proxy in each.

Every variant proxies GET /articles to the same tiny upstream (an aiohttp app answering a
~600-byte JSON body) over a pooled keep-alive client, and wrk loads it on loopback for a
bounded time. The upstream alone ("direct") is the baseline the proxies are compared with.

Variants:
  direct                   wrk -> upstream
  aiohttp                  aiohttp.web server + one aiohttp.ClientSession (stdlib asyncio loop)
  aiohttp-uvloop           the same on uvloop (skipped when uvloop is not installed)
  starlette-uvicorn-httpx  Starlette on uvicorn (httptools + uvloop when installed) + httpx

Starlette, uvicorn and httpx are not project dependencies, so run this from a throwaway venv:

    python3 -m venv /tmp/gwbench
    /tmp/gwbench/bin/pip install aiohttp starlette "uvicorn[standard]" httpx
    apt-get install -y wrk
    /tmp/gwbench/bin/python benchmarks/gateway_frameworks.py [--duration 10] [--connections 64]

On a 2-core machine the proxy is pinned to CPU 1 and the upstream and wrk share CPU 0 (taskset),
so the proxy under test has one core to itself, as a gateway worker process would.
Results are recorded in docs/adr/0003-gateway-technology.md.
"""

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ARTICLE = json.dumps(
    {
        "article": {
            "slug": "how-to-train-your-dragon",
            "title": "How to train your dragon",
            "description": "Ever wonder how?",
            "body": "It takes a Jacobian " * 20,
            "tagList": ["dragons", "training"],
            "favorited": False,
            "favoritesCount": 0,
        }
    }
).encode()
PROXY_CPU, LOAD_CPU = "1", "0"


# --- the servers, each run as `python gateway_frameworks.py serve <variant> <port> [upstream]` ---


def serve_upstream(port: int) -> None:
    from aiohttp import web

    async def article(request):
        return web.Response(body=ARTICLE, content_type="application/json")

    app = web.Application()
    app.router.add_get("/articles", article)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def serve_aiohttp(port: int, upstream: str, use_uvloop: bool) -> None:
    import aiohttp
    from aiohttp import web

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
    loop_factory = None
    if use_uvloop:
        import uvloop

        loop_factory = uvloop.new_event_loop
    runner_kwargs = {"loop": loop_factory()} if loop_factory else {}
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, **runner_kwargs)


def serve_starlette(port: int, upstream: str) -> None:
    import contextlib

    import httpx
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

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


# --- the driver ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cpu: str, *args: str) -> subprocess.Popen:
    command = [sys.executable, str(Path(__file__).resolve()), "serve", *args]
    if shutil.which("taskset"):
        command = ["taskset", "-c", cpu, *command]
    return subprocess.Popen(command)


def wait_until_serving(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing is listening on port {port} after {timeout}s")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, duration: int, connections: int) -> dict:
    url = f"http://127.0.0.1:{port}/articles"
    warmup = ["wrk", "-t1", f"-c{connections}", "-d2s", url]
    subprocess.run(["taskset", "-c", LOAD_CPU, *warmup], check=True, capture_output=True)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    output = subprocess.run(
        ["taskset", "-c", LOAD_CPU, *command], check=True, capture_output=True, text=True
    ).stdout
    if re.search(r"Non-2xx or 3xx responses|Socket errors", output):
        raise RuntimeError(f"wrk saw errors:\n{output}")
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": to_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99_ms": to_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
    }


def variants() -> list[tuple[str, list[str]]]:
    chosen = [("aiohttp", ["aiohttp"])]
    try:
        import uvloop  # noqa: F401

        chosen.append(("aiohttp-uvloop", ["aiohttp-uvloop"]))
    except ImportError:
        print("uvloop not installed: skipping aiohttp-uvloop", file=sys.stderr)
    chosen.append(("starlette-uvicorn-httpx", ["starlette"]))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (max 60)")
    parser.add_argument("--connections", type=int, default=64)
    options = parser.parse_args()
    duration = min(options.duration, 60)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")

    upstream_port = free_port()
    upstream = start(LOAD_CPU, "upstream", str(upstream_port))
    results = {}
    try:
        wait_until_serving(upstream_port)
        results["direct"] = run_wrk(upstream_port, duration, options.connections)
        for name, args in variants():
            port = free_port()
            proxy = start(PROXY_CPU, *args, str(port), f"http://127.0.0.1:{upstream_port}")
            try:
                wait_until_serving(port)
                results[name] = run_wrk(port, duration, options.connections)
            finally:
                proxy.terminate()
                proxy.wait(timeout=10)
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)

    print(f"{'variant':<26}{'req/s':>10}{'P50 ms':>10}{'P99 ms':>10}")
    for name, figures in results.items():
        print(
            f"{name:<26}{figures['requests_per_second']:>10.0f}"
            f"{figures['p50_ms']:>10.2f}{figures['p99_ms']:>10.2f}"
        )


def serve(variant: str, port: str, upstream: str = "") -> None:
    if variant == "upstream":
        serve_upstream(int(port))
    elif variant in ("aiohttp", "aiohttp-uvloop"):
        serve_aiohttp(int(port), upstream, use_uvloop=variant == "aiohttp-uvloop")
    elif variant == "starlette":
        serve_starlette(int(port), upstream)
    else:
        raise SystemExit(f"unknown variant {variant}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(*sys.argv[2:])
    else:
        main()
