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
    /tmp/gwbench/bin/python -m benchmarks.gateway_frameworks [--duration 10] [--connections 64]

On a 2-core machine the proxy is pinned to CPU 1 and the upstream and wrk share CPU 0 (taskset),
so the proxy under test has one core to itself, as a gateway worker process would.
Results are recorded in docs/adr/0003-gateway-technology.md.
"""

import argparse
import importlib.util
import re
import shutil
import socket
import subprocess
import sys
import time

PROXY_CPU, LOAD_CPU = "1", "0"


# --- the driver ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cpu: str, server: str, *args: str) -> subprocess.Popen:
    """Run benchmarks.framework_servers.<server> in its own process, pinned to `cpu`."""
    command = [sys.executable, "-m", f"benchmarks.framework_servers.{server}", *args]
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


def variants() -> list[tuple[str, str]]:
    """(name, server module) of each proxy to measure."""
    chosen = [("aiohttp", "aiohttp_proxy")]
    if importlib.util.find_spec("uvloop"):
        chosen.append(("aiohttp-uvloop", "aiohttp_uvloop_proxy"))
    else:
        print("uvloop not installed: skipping aiohttp-uvloop", file=sys.stderr)
    chosen.append(("starlette-uvicorn-httpx", "starlette_proxy"))
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
        for name, server in variants():
            port = free_port()
            proxy = start(PROXY_CPU, server, str(port), f"http://127.0.0.1:{upstream_port}")
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


if __name__ == "__main__":
    main()
