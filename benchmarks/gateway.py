"""What the gateway costs: the same requests through api_gateway and straight to the service.

Starts the local stack exactly as `make run` does (PostgreSQL + Redis when TITANIUM_POSTGRES_URL
and TITANIUM_REDIS_URL are set, embedded defaults otherwise) on free ports with throwaway
databases, then loads each target with wrk over loopback for a bounded time and prints a
Markdown table of requests/s and latency percentiles. Needs `wrk` (apt-get install wrk).

    make bench-gateway            # or: python -m benchmarks.gateway --duration 10 --connections 64
"""

import argparse
import os
import re
import subprocess
import tempfile
import uuid
from pathlib import Path

import jwt
import requests

from scripts.stack import Ports, StackConfig, free_port, launch

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    percentiles = {
        f"p{p}": float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        **percentiles,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    config = StackConfig(
        var_dir=Path(tempfile.mkdtemp(prefix="titanium-bench-")),
        ports=Ports(*(free_port() for _ in range(5))),
        postgres_server_url=os.environ.get("TITANIUM_POSTGRES_URL", ""),
        redis_url=os.environ.get("TITANIUM_REDIS_URL", ""),
        database_suffix=f"_bench_{uuid.uuid4().hex[:8]}",
        workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
        # Rate limiting stays on (its Redis round trip is part of the cost) but never trips.
        extra_env={"RATE_LIMIT_REQUESTS": "100000000", "LOG_LEVEL": "WARNING"},
    )
    stack = launch(config, config.var_dir)
    try:
        gateway = config.base_url()
        name = f"bench{uuid.uuid4().hex[:8]}"
        user = requests.post(
            f"{gateway}/api/users",
            json={
                "user": {"username": name, "email": f"{name}@bench.test", "password": "benchmark1"}
            },
            timeout=10,
        ).json()["user"]
        account_id = jwt.decode(user["token"], options={"verify_signature": False})["sub"]
        token = {"Authorization": f"Token {user['token']}"}
        identity = {"X-Titanium-User-Id": account_id}
        targets = [
            ("GET /api/profiles/:u, anonymous", "gateway", f"{gateway}/api/profiles/{name}", {}),
            (
                "GET /api/profiles/:u, anonymous",
                "user_service",
                f"http://127.0.0.1:{config.ports.user_service}/api/profiles/{name}",
                {},
            ),
            ("GET /api/user, token", "gateway", f"{gateway}/api/user", token),
            (
                "GET /api/user, token",
                "auth_service",
                f"http://127.0.0.1:{config.ports.auth_service}/api/user",
                identity,
            ),
        ]
        backend = "PostgreSQL + Redis" if config.postgres_server_url else "SQLite, in-process cache"
        load = f"wrk -d{args.duration}s after a 2 s warm-up"
        print(f"\n{backend}; {config.workers} worker(s) per service; {load}\n")
        print("| request | via | connections | requests/s | P50 ms | P90 ms | P99 ms | non-2xx |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        # One connection shows what a hop adds to a single request; many show throughput.
        for connections in (1, args.connections):
            for label, via, url, headers in targets:
                # Warm up first: the measured run then sees pooled connections and warm caches,
                # not the burst of new connections a cold start makes.
                wrk(url, headers, 2, connections)
                result = wrk(url, headers, args.duration, connections)
                print(
                    f"| {label} | {via} | {connections} | {result['rps']:.0f} | "
                    f"{result['p50']:.2f} | {result['p90']:.2f} | {result['p99']:.2f} | "
                    f"{result['non_2xx']:.0f} |",
                    flush=True,
                )
    finally:
        stack.shutdown(drop_databases=True)


if __name__ == "__main__":
    main()
