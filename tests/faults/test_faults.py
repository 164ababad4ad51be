"""The fault suite (`make test-faults`): under mixed read/write load, each fault in turn, then
the databases are read to prove that no acknowledged write was lost or made twice, that no
write answered 5xx had committed (unless its retry was given that committed reply), and that
auth_service's outbox delivered everything. Reads may fail only while a fault lasts, never once
the stack is ready again, and never with a 500; a graceful reload may fail nothing at all.

Recovery time: from the end of the fault (the restart, the reload finished) until a read and a
write started after it have both succeeded.
"""

import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from scripts.mixed_load import MixedLoad
from tests.faults.checks import Databases
from tests.faults.conftest import REPORT, FaultEnvironment

WARM_UP_SECONDS = 2
# Load keeps running this long after the stack says it is ready again.
AFTER_SECONDS = 3
OUTBOX_TIMEOUT_SECONDS = 60
SERVICES = ("api_gateway", "webapp", "auth_service", "user_service")


@dataclass(frozen=True)
class Fault:
    name: str
    inflict: Callable[[FaultEnvironment], None]
    # Returns once the fault is over (the process restarted, the reload done).
    heal: Callable[[FaultEnvironment], None]
    hold_seconds: float = 2
    graceful: bool = False  # nothing may fail at all


def crash(*names: str) -> Fault:
    def inflict(env: FaultEnvironment) -> None:
        for name in names:
            env.stack.kill(name)

    def heal(env: FaultEnvironment) -> None:
        for name in names:
            env.stack.start(name)

    return Fault(f"kill -9 {'+'.join(names)}", inflict, heal)


def restart(name: str) -> Fault:
    def heal(env: FaultEnvironment) -> None:
        env.stack.start(name)

    # stop() is SIGTERM to gunicorn's master, which lets the workers finish their requests.
    return Fault(f"SIGTERM+start {name}", lambda env: env.stack.stop(name), heal, hold_seconds=1)


def reload(name: str) -> Fault:
    workers: list[int] = []

    def inflict(env: FaultEnvironment) -> None:
        master, *old = env.stack.pids(name)
        workers[:] = old
        os.kill(master, signal.SIGHUP)

    def heal(env: FaultEnvironment) -> None:
        """Wait until every old worker is gone and as many new ones serve."""
        deadline = time.monotonic() + 60
        while True:
            current = env.stack.pids(name)[1:]
            if len(current) == len(workers) and not set(current) & set(workers):
                return
            assert time.monotonic() < deadline, f"{name} did not finish reloading"
            time.sleep(0.1)

    return Fault(f"SIGHUP {name}", inflict, heal, hold_seconds=0, graceful=True)


def restart_redis(env: FaultEnvironment) -> None:
    env.redis.start()


def restart_postgres(env: FaultEnvironment) -> None:
    env.postgres.start()


FAULTS = [
    Fault("kill -9 redis", lambda env: env.redis.kill(), restart_redis, hold_seconds=3),
    # Longer than DATABASE_RECONNECT_SECONDS (5): some requests wait it out, some answer 503.
    Fault("stop postgresql", lambda env: env.postgres.stop(), restart_postgres, hold_seconds=7),
    crash("user_service"),
    crash("webapp"),
    crash("auth_service", "outbox_relay"),
    *(reload(name) for name in SERVICES),
    *(restart(name) for name in SERVICES),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name.replace(" ", "-"))
def test_no_acknowledged_write_is_lost_or_doubled_through(fault, environment):
    stack = environment.stack
    load = MixedLoad(stack.url).start()
    try:
        time.sleep(WARM_UP_SECONDS)
        began = time.monotonic()
        fault.inflict(environment)
        time.sleep(fault.hold_seconds)
        fault.heal(environment)
        ended = time.monotonic()
        stack.wait_until_healthy(timeout=60)
        ready = time.monotonic()
        time.sleep(AFTER_SECONDS)
    finally:
        load.stop()

    databases = Databases(stack.config)
    try:
        outbox_seconds = databases.wait_for_outbox(OUTBOX_TIMEOUT_SECONDS)
        writes = databases.check(load.writes)
        inconsistencies = databases.inconsistencies()
    finally:
        databases.close()
    attempts = load.attempts
    failures = [attempt for attempt in attempts if attempt.failed]
    figures = {
        "fault": fault.name,
        "requests": len(attempts),
        "failures": len(failures),
        "answers_5xx": sum(attempt.status >= 500 for attempt in attempts),
        "answers_500": sum(attempt.status == 500 for attempt in attempts),
        "no_answer": sum(attempt.status == 0 for attempt in attempts),
        "failed_reads": sum(attempt.kind == "read" for attempt in failures),
        "failed_write_attempts": sum(attempt.kind == "write" for attempt in failures),
        "writes": len(load.writes),
        "writes_by_kind": dict(Counter(write.op for write in load.writes)),
        "acknowledged_writes": sum(write.acknowledged for write in load.writes),
        "fault_seconds": round(ended - began, 2),
        "ready_after_seconds": round(ready - ended, 2),
        "recovery_seconds": recovery_seconds(attempts, ended),
        "lost": len(writes.lost),
        "duplicated": len(writes.duplicated),
        "committed_answered_5xx": len(writes.committed_unacknowledged),
        "replayed_after_failure": len(writes.replayed_after_failure),
        "outbox_seconds": None if outbox_seconds is None else round(outbox_seconds, 2),
        "details": {
            "writes": vars(writes),
            "inconsistencies": inconsistencies,
            "failures_before_the_fault": sum(a.finished < began for a in failures),
            "failures_once_ready": sum(a.started > ready for a in failures),
            "first_failures": [
                f"{a.started - began:+.2f} s {a.path}: {a.status or a.error}" for a in failures[:20]
            ],
        },
    }
    REPORT.append(figures)

    assert writes.lost == [], "acknowledged writes lost"
    assert writes.duplicated == [], "writes made twice"
    assert writes.committed_unacknowledged == [], "writes committed but never acknowledged"
    assert writes.not_as_replied == [], "acknowledged replies that differ from the database"
    assert writes.unanswered == [] and writes.refused == [], "writes that never succeeded"
    assert {name: rows for name, rows in inconsistencies.items() if rows} == {}
    assert outbox_seconds is not None, "auth_service's outbox still holds undelivered events"
    assert figures["recovery_seconds"] is not None, "no read and write succeeded after the fault"
    assert figures["details"]["failures_before_the_fault"] == 0, "requests failed before it"
    assert figures["details"]["failures_once_ready"] == 0, "requests failed once ready again"
    # A dependency down is a 502, 503 or 504; a 500 is an error nobody handled.
    assert figures["answers_500"] == 0, "requests answered 500"
    if fault.graceful:
        assert failures == [], f"{len(failures)} requests failed during a graceful reload"


def recovery_seconds(attempts, ended: float) -> float | None:
    """From `ended` until a read and a write started after it have both succeeded."""
    firsts = []
    for kind in ("read", "write"):
        done = [a.finished for a in attempts if a.kind == kind and a.started >= ended and a.ok]
        if not done:
            return None
        firsts.append(min(done))
    return round(max(firsts) - ended, 2)
