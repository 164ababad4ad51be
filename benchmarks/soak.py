"""Soak: mixed read/write load on the stack for a long while (10 minutes by default), to see
memory grow or latency drift. Samples the resident memory (RSS) of every process (gunicorn
masters and workers, by service, and the outbox relay) and the p50/p99 latency per interval;
prints the curve and writes it all to var/soak/soak.json.

    make soak                          # 10 minutes
    SOAK_SECONDS=60 SOAK_INTERVAL_SECONDS=10 make soak

Like the other benchmarks it runs on the backends TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL
name (the figures in docs/reliability.md are on PostgreSQL + Redis), 2 workers per service.
"""

import json
import os
import time
from pathlib import Path

from benchmarks.load import start_bench_stack
from scripts.mixed_load import Attempt, MixedLoad
from scripts.stack import REPO, Stack

SAMPLE_SECONDS = 5
REPORT = REPO / "var" / "soak" / "soak.json"


def rss_mib(pid: int) -> float:
    """Resident memory of one process; 0 if it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) / 1024


def memory(stack: Stack) -> dict[str, dict]:
    """Per process of the stack: the master's RSS and each worker's, MiB."""
    sample = {}
    for name in stack.running:
        master, *workers = stack.pids(name)
        sample[name] = {
            "master": round(rss_mib(master), 1),
            "workers": [round(rss_mib(pid), 1) for pid in workers],
        }
    return sample


def total(process: dict) -> float:
    return process["master"] + sum(process["workers"])


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency(attempts: list[Attempt], kind: str) -> dict:
    """Count, failures and p50/p99 milliseconds of one kind of request."""
    mine = [attempt for attempt in attempts if attempt.kind == kind]
    millis = [(attempt.finished - attempt.started) * 1000 for attempt in mine if attempt.ok]
    p50, p99 = percentile(millis, 0.50), percentile(millis, 0.99)
    return {
        "requests": len(mine),
        "failures": sum(attempt.failed for attempt in mine),
        "p50_ms": None if p50 is None else round(p50, 1),
        "p99_ms": None if p99 is None else round(p99, 1),
    }


def soak(stack: Stack, seconds: float, interval: float) -> dict:
    """Memory every SAMPLE_SECONDS; per interval its latencies and the memory at its end."""
    load = MixedLoad(stack.url).start()
    started = time.monotonic()
    samples = [{"at_s": 0, "memory": memory(stack)}]
    intervals = [samples[0]]
    print_row(intervals[0])
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            time.sleep(min(SAMPLE_SECONDS, seconds - elapsed))
            now = time.monotonic() - started
            samples.append({"at_s": round(now, 1), "memory": memory(stack)})
            if now >= len(intervals) * interval or now >= seconds:
                since = started + intervals[-1]["at_s"]
                window = [a for a in load.attempts if since <= a.finished < started + now]
                intervals.append(
                    {
                        **samples[-1],
                        "reads": latency(window, "read"),
                        "writes": latency(window, "write"),
                    }
                )
                print_row(intervals[-1])
    finally:
        load.stop()
    return {"samples": samples, "intervals": intervals}


def print_header(stack: Stack) -> None:
    names = " ".join(f"{name + ' MiB':>18}" for name in stack.running)
    print(
        f"{'at s':>6} {'requests':>8} {'fail':>5} {'read p50':>8} {'read p99':>8} "
        f"{'write p99':>9} {names}"
    )


def print_row(row: dict) -> None:
    reads, writes = row.get("reads", {}), row.get("writes", {})
    requests = reads.get("requests", 0) + writes.get("requests", 0)
    failures = reads.get("failures", 0) + writes.get("failures", 0)
    memory_cells = " ".join(f"{total(process):>18.1f}" for process in row["memory"].values())
    print(
        f"{row['at_s']:>6.0f} {requests:>8} {failures:>5} {cell(reads.get('p50_ms')):>8} "
        f"{cell(reads.get('p99_ms')):>8} {cell(writes.get('p99_ms')):>9} {memory_cells}",
        flush=True,
    )


def cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    interval = float(os.environ.get("SOAK_INTERVAL_SECONDS", "60"))
    stack = start_bench_stack()
    try:
        backend = "PostgreSQL + Redis" if stack.config.postgres_server_url else "SQLite"
        print(
            f"\nSoak: {seconds:.0f} s of mixed load on {backend}, "
            f"{stack.config.workers} workers per service; memory = master + workers (RSS)\n"
        )
        print_header(stack)
        curve = soak(stack, seconds, interval)
    finally:
        stack.shutdown(drop_databases=True)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"seconds": seconds, "interval_s": interval, **curve}, indent=1))
    print(f"\n(every process's RSS per sample: {REPORT})")


if __name__ == "__main__":
    main()
