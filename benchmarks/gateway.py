"""What the gateway costs: the same requests through api_gateway and straight to the service.

Starts the local stack exactly as `make run` does (PostgreSQL + Redis when TITANIUM_POSTGRES_URL
and TITANIUM_REDIS_URL are set, embedded defaults otherwise) on free ports with throwaway
databases, then loads each target with wrk over loopback for a bounded time and prints a
Markdown table of requests/s and latency percentiles. Needs `wrk` (apt-get install wrk).

    make bench-gateway            # or: python -m benchmarks.gateway --duration 10 --connections 64
"""

import argparse
import uuid

import jwt
import requests

from benchmarks.load import TABLE_HEADER, describe, measure_row, start_bench_stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    stack = start_bench_stack()
    try:
        ports, gateway = stack.config.ports, stack.url
        name = f"bench{uuid.uuid4().hex[:8]}"
        user = {"username": name, "email": f"{name}@bench.test", "password": "benchmark1"}
        token = requests.post(f"{gateway}/api/users", json={"user": user}, timeout=10).json()[
            "user"
        ]["token"]
        account_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        targets = [
            ("GET /api/profiles/:u, anonymous", "gateway", f"{gateway}/api/profiles/{name}", {}),
            (
                "GET /api/profiles/:u, anonymous",
                "user_service",
                f"http://127.0.0.1:{ports.user_service}/api/profiles/{name}",
                {},
            ),
            (
                "GET /api/user, token",
                "gateway",
                f"{gateway}/api/user",
                {"Authorization": f"Token {token}"},
            ),
            (
                "GET /api/user, token",
                "auth_service",
                f"http://127.0.0.1:{ports.auth_service}/api/user",
                {"X-Titanium-User-Id": account_id},
            ),
        ]
        print(f"\n{describe(stack, args.duration)}\n\n{TABLE_HEADER}")
        # One connection shows what a hop adds to a single request; many show throughput.
        for connections in (1, args.connections):
            for label, via, url, headers in targets:
                print(measure_row(label, via, url, headers, args.duration, connections), flush=True)
    finally:
        stack.shutdown(drop_databases=True)


if __name__ == "__main__":
    main()
