"""What every benchmark shares: a throwaway stack on free ports, and wrk runs parsed."""

import os
import re
import subprocess
import tempfile
import uuid
from dataclasses import fields
from pathlib import Path

from scripts.stack import Ports, Stack, StackConfig, free_port, launch

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
TABLE_HEADER = (
    "| request | via | connections | requests/s | P50 ms | P90 ms | P99 ms | non-2xx |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|"
)


def start_bench_stack(log_level: str = "WARNING") -> Stack:
    """The stack as `make run` builds it, on the backends the environment names, with
    throwaway databases. Rate limiting stays on (its Redis round trip is part of the cost)
    but never trips; one address may sign up any number of people."""
    run = uuid.uuid4().hex[:8]
    config = StackConfig(
        var_dir=Path(tempfile.mkdtemp(prefix="titanium-bench-")),
        ports=Ports(*(free_port() for _ in range(len(fields(Ports))))),
        postgres_server_url=os.environ.get("TITANIUM_POSTGRES_URL", ""),
        redis_url=os.environ.get("TITANIUM_REDIS_URL", ""),
        database_suffix=f"_bench_{run}",
        redis_namespace=f"bench:{run}",
        workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
        extra_env={
            "RATE_LIMIT_REQUESTS": "100000000",
            "REGISTRATIONS_PER_CLIENT": "0",
            "LOG_LEVEL": log_level,
        },
    )
    return launch(config, config.var_dir)


def describe(stack: Stack, duration: int) -> str:
    config = stack.config
    backend = "PostgreSQL + Redis" if config.postgres_server_url else "SQLite, in-process cache"
    return (
        f"{backend}; {config.workers} worker(s) per service; wrk -d{duration}s after a 2 s warm-up"
    )


def wrk(
    url: str, headers: dict[str, str], duration: int, connections: int, script: str | None = None
) -> dict[str, float]:
    """One wrk run; `script` is a Lua file that makes the requests (writes, mixes)."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    percentiles = {
        f"p{p}": float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = float(errors.group(1)) if errors else 0.0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        **percentiles,
        "non_2xx": non_2xx,
        # Refused or timed-out requests are errors too (wrk's read errors are often closes).
        "errors": non_2xx + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def measure_row(
    label: str, via: str, url: str, headers: dict, duration: int, connections: int
) -> str:
    """Warm up for 2 s (pooled connections, warm caches), then measure; one Markdown row."""
    wrk(url, headers, 2, connections)
    result = wrk(url, headers, duration, connections)
    return (
        f"| {label} | {via} | {connections} | {result['rps']:.0f} | {result['p50']:.2f} | "
        f"{result['p90']:.2f} | {result['p99']:.2f} | {result['non_2xx']:.0f} |"
    )
