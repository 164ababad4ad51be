"""Where a request's CPU goes, process by process: `make bench-cost`.

Starts the stack as the other benchmarks do (the backends TITANIUM_POSTGRES_URL /
TITANIUM_REDIS_URL name; 2 workers per service), adds --articles articles, then sends each request
--requests times, one at a time through the gateway, and reads the CPU time (user + system, from
/proc) every process of the stack, PostgreSQL's and Redis's spent meanwhile. Divided by the number
of requests that is the CPU one request costs in each, whatever else the machine is doing; the
wall time per request is printed beside it.

    make bench-cost      # or: python -m benchmarks.cost --requests 500
"""

import argparse
import os
import time
from pathlib import Path

import requests

from benchmarks.bench import sign_up
from benchmarks.load import start_bench_stack
from benchmarks.webapp import TAGS, add_articles

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def processes(stack) -> dict[str, list[int]]:
    """Every process whose CPU counts: the stack's, by service, and the databases'."""
    groups = {name: stack.pids(name) for name in stack.running}  # masters and workers
    groups["postgres"] = pids_named("postgres")
    groups["redis"] = pids_named("redis-server")
    return groups


def measure(url: str, headers: dict[str, str], count: int, groups: dict[str, list[int]]):
    session = requests.Session()  # one keep-alive connection, as a browser holds
    for _ in range(20):
        session.get(url, headers=headers, timeout=10).raise_for_status()  # warm caches, pools
    before = {name: sum(map(cpu_seconds, pids)) for name, pids in groups.items()}
    started = time.perf_counter()
    for _ in range(count):
        session.get(url, headers=headers, timeout=10).raise_for_status()
    wall_ms = (time.perf_counter() - started) * 1000 / count
    spent = {
        name: (sum(map(cpu_seconds, pids)) - before[name]) * 1000 / count
        for name, pids in groups.items()
    }
    return wall_ms, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    stack = start_bench_stack(log_level="INFO")
    try:
        slugs = add_articles(stack.url, args.articles)
        viewer = sign_up(stack.url)
        signed_in = {"Cookie": viewer.cookie}
        token = {"Authorization": f"Token {viewer.token}"}
        rows = [
            ("home page, signed in", "/", signed_in),
            ("article page, signed in", f"/article/{slugs[len(slugs) // 2]}", signed_in),
            ("tag page, signed in", f"/tag/{TAGS[0]}", signed_in),
            ("GET /api/articles, token", "/api/articles", token),
            ("home page, anonymous (edge cache)", "/", {}),
        ]
        groups = processes(stack)
        names = ["webapp", "api_gateway", "user_service", "auth_service", "postgres", "redis"]
        print(
            f"\nCPU ms per request, {args.requests} requests one at a time, {args.articles} "
            f"articles; load average {os.getloadavg()[0]:.2f}\n"
        )
        print(f"| request | wall ms | {' | '.join(names)} | all |")
        print(f"|---|---:|{'---:|' * (len(names) + 1)}")
        for label, path, headers in rows:
            wall, spent = measure(f"{stack.url}{path}", headers, args.requests, groups)
            cells = " | ".join(f"{spent[name]:.2f}" for name in names)
            print(f"| {label} | {wall:.2f} | {cells} | {sum(spent.values()):.2f} |", flush=True)
    finally:
        stack.shutdown(drop_databases=True)


if __name__ == "__main__":
    main()
