"""The fault suite's stack: the one `make run` runs (2 workers per service), on a PostgreSQL and
a Redis of its own, so the faults never touch the servers other suites share. Its report is
printed at the end of the run and kept in var/faults/report.json."""

import json
import shutil
from dataclasses import dataclass, fields

import pytest

from scripts.private_servers import PrivatePostgres, PrivateRedis
from scripts.stack import REPO, Ports, Stack, StackConfig, free_port, launch
from tests.support import TEST_ENV

REPORT_DIR = REPO / "var" / "faults"
REPORT: list[dict] = []
COLUMNS = (
    ("fault", "fault", "<34"),
    ("requests", "requests", ">8"),
    ("failures", "failures", ">8"),
    ("5xx", "answers_5xx", ">5"),
    ("writes", "writes", ">6"),
    ("recovery s", "recovery_seconds", ">10"),
    ("lost", "lost", ">4"),
    ("duplicated", "duplicated", ">10"),
    ("5xx committed", "committed_answered_5xx", ">13"),
    ("outbox s", "outbox_seconds", ">8"),
)


@dataclass
class FaultEnvironment:
    stack: Stack
    postgres: PrivatePostgres
    redis: PrivateRedis


@pytest.fixture(scope="session")
def environment():
    shutil.rmtree(REPORT_DIR, ignore_errors=True)
    logs = REPORT_DIR / "logs"
    logs.mkdir(parents=True)
    postgres, redis = PrivatePostgres(), PrivateRedis(logs)
    try:
        postgres.start()
        redis.start()
        config = StackConfig(
            var_dir=REPORT_DIR / "var",
            ports=Ports(*(free_port() for _ in fields(Ports))),
            postgres_server_url=postgres.url,
            redis_url=redis.url,
            workers=2,
            extra_env={**TEST_ENV, "RATE_LIMIT_REQUESTS": "100000000"},
        )
        stack = launch(config, logs)
        try:
            yield FaultEnvironment(stack, postgres, redis)
        finally:
            stack.shutdown()
    finally:
        redis.destroy()
        shutil.copy(postgres.log, logs / "postgres.log")
        postgres.destroy()


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / "report.json").write_text(json.dumps(REPORT, indent=2))
    write = terminalreporter.write_line
    write("")
    write(" ".join(f"{title:{align}}" for title, _key, align in COLUMNS))
    for row in REPORT:
        cells = []
        for _title, key, align in COLUMNS:
            value = row[key]
            value = "-" if value is None else f"{value:.2f}" if isinstance(value, float) else value
            cells.append(f"{value:{align}}")
        write(" ".join(cells))
    write(f"(details: {REPORT_DIR / 'report.json'}; logs: {REPORT_DIR / 'logs'})")
