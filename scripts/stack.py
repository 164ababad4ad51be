"""The local Titanium stack: which processes run, on which ports, with which environment.

`make run` (scripts/run_stack.py), the system tests (tests/) and the benchmarks all build the
stack from here, so what the tests and benchmarks start is exactly what a developer runs.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from titanium_common.backends import database_on_server, drop_database, ensure_database

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Services that own a database, in the order they are migrated.
DATABASE_OWNERS = ("auth_service", "user_service", "webapp")


@dataclass(frozen=True)
class Ports:
    gateway: int = 8080
    webapp: int = 8081
    auth_service: int = 8082
    user_service: int = 8083
    relay_metrics: int = 9102
    gateway_internal: int = 9080  # the gateway's /readyz, /metrics and /openapi.json


@dataclass
class StackConfig:
    """What varies between a developer's stack and a test's: ports, data location, backends."""

    var_dir: Path = REPO / "var"
    ports: Ports = field(default_factory=Ports)
    postgres_server_url: str = ""
    redis_url: str = ""
    database_suffix: str = ""
    # Set, it gives this stack its own Redis keys, so stacks sharing one Redis never mix data.
    redis_namespace: str = ""
    # Embedded mode runs one worker per service so the in-process cache stays coherent.
    workers: int = 1
    # JSON, as in containers, for the stacks of tests and benchmarks (which read the access
    # lines); `make run` asks for text (from_environment).
    log_format: str = "json"
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "StackConfig":
        return cls(
            postgres_server_url=os.environ.get("TITANIUM_POSTGRES_URL", ""),
            redis_url=os.environ.get("TITANIUM_REDIS_URL", ""),
            workers=int(
                os.environ.get(
                    "WEB_CONCURRENCY", "2" if os.environ.get("TITANIUM_REDIS_URL") else "1"
                )
            ),
            log_format=os.environ.get("LOG_FORMAT", "text"),
        )

    def database_url(self, service: str) -> str:
        if self.postgres_server_url:
            return database_on_server(
                self.postgres_server_url, f"titanium_{service}{self.database_suffix}"
            )
        return f"sqlite:///{self.var_dir / f'{service}{self.database_suffix}.db'}"

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def environment(self) -> dict[str, str]:
        """The environment every process of the stack shares."""
        ports = self.ports
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "HOST": "127.0.0.1",
            "WEB_CONCURRENCY": str(self.workers),
            "TITANIUM_VAR_DIR": str(self.var_dir),
            "TITANIUM_POSTGRES_URL": self.postgres_server_url,
            "TITANIUM_REDIS_URL": self.redis_url,
            "REDIS_URL": self.redis_url,
            "SIGNING_KEYS_DIR": str(self.var_dir / "keys"),
            "AUTH_SERVICE_URL": f"http://127.0.0.1:{ports.auth_service}",
            "USER_SERVICE_URL": f"http://127.0.0.1:{ports.user_service}",
            "WEBAPP_URL": f"http://127.0.0.1:{ports.webapp}",
            "RELAY_METRICS_PORT": str(ports.relay_metrics),
            "INTERNAL_PORT": str(ports.gateway_internal),
            "PUBLIC_URL": self.base_url(),
            "LOG_FORMAT": self.log_format,
        }
        env.update(self.extra_env)
        return env

    def service_environment(self, name: str) -> dict[str, str]:
        env = self.environment()
        env["PORT"] = str(getattr(self.ports, "gateway" if name == "api_gateway" else name, 0))
        if name in DATABASE_OWNERS:
            env["DATABASE_URL"] = self.database_url(name)
        if name == "webapp":
            env["SECRET_KEY"] = session_secret(self.var_dir)
        if self.redis_namespace:
            env["REDIS_KEY_PREFIX"] = f"{self.redis_namespace}:{name}:"
        return env


def session_secret(var_dir: Path) -> str:
    """The webapp's session-signing key: generated once per var dir, never in the repository."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class Process:
    """One long-running process; it runs from its service's folder so that folder's package,
    not the same-named project folder at the repository root, is what gets imported."""

    service: str
    argv: list[str]

    @property
    def cwd(self) -> Path:
        return REPO / self.service


def processes() -> dict[str, Process]:
    """Every long-running process of the stack, by name."""

    def gunicorn(service: str) -> Process:
        # gunicorn.conf.py names the app, as in the images.
        return Process(service, [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"])

    relay = Process("auth_service", [*flask_command("auth_service"), "outbox", "relay"])
    return {
        "auth_service": gunicorn("auth_service"),
        "outbox_relay": relay,
        "user_service": gunicorn("user_service"),
        "webapp": gunicorn("webapp"),
        "api_gateway": gunicorn("api_gateway"),
    }


def flask_command(service: str) -> list[str]:
    return [str(BIN / "flask"), "--app", service]


def prepare(config: StackConfig, say=print) -> None:
    """Create databases, run migrations, make signing keys and seed demo users (idempotent)."""
    config.var_dir.mkdir(parents=True, exist_ok=True)
    for service in DATABASE_OWNERS:
        url = config.database_url(service)
        if ensure_database(url):
            say(f"    created database {url.rsplit('/', 1)[-1]}")
        say(f"==> Migrating {service} ({url.split(':', 1)[0]})")
        flask(service, config, "upgrade-database")
    say("==> Signing keys in var/keys")
    flask("auth_service", config, "keys", "ensure")
    say("==> Seeding demo users")
    flask("auth_service", config, "seed-demo")


def seed_content(config: StackConfig) -> None:
    """Demo articles, comments and favorites; needs the running stack (author ids come from
    user_service), so it runs after start. Idempotent."""
    flask("webapp", config, "seed-demo")


def flask(service: str, config: StackConfig, *args: str) -> None:
    subprocess.run(
        [*flask_command(service), *args],
        cwd=REPO / service,
        env=config.service_environment(service),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """A running stack: start/stop single processes, read their logs, call the gateway."""

    def __init__(self, config: StackConfig, log_dir: Path):
        self.config = config
        self.log_dir = log_dir
        self.url = config.base_url()
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        process = processes()[name]
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.running[name] = subprocess.Popen(
                process.argv,
                cwd=process.cwd,
                env=self.config.service_environment(process.service),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self, name: str) -> None:
        """Crash a process as a lost machine would: SIGKILL it and its children at once."""
        process = self.running.pop(name)
        for pid in [process.pid, *child_pids(process.pid)]:
            with contextlib.suppress(ProcessLookupError):  # a child that just exited
                os.kill(pid, signal.SIGKILL)
        process.wait()

    @contextlib.contextmanager
    def paused(self, name: str):
        """A process that accepts connections but answers nothing (SIGSTOP, it and its
        workers), as an overloaded one does; it carries on where it was afterwards."""
        pids = self.pids(name)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def pids(self, name: str) -> list[int]:
        """A running process's id followed by its children's (gunicorn's workers)."""
        pid = self.running[name].pid
        return [pid, *child_pids(pid)]

    def shutdown(self, drop_databases: bool = False) -> None:
        for name in list(self.running):
            self.stop(name)
        if drop_databases and self.config.postgres_server_url:
            for service in DATABASE_OWNERS:
                drop_database(self.config.database_url(service))

    def wait_until_healthy(self, timeout: float = 60) -> None:
        ports = self.config.ports
        urls = [
            f"http://127.0.0.1:{port}/readyz"
            for name, port in (
                ("api_gateway", ports.gateway_internal),
                ("webapp", ports.webapp),
                ("auth_service", ports.auth_service),
                ("user_service", ports.user_service),
            )
            if name in self.running
        ]
        deadline = time.monotonic() + timeout
        for url in urls:
            while True:
                self._fail_if_a_process_died()
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        break
                except requests.RequestException:  # not listening yet, or still booting
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} not ready; logs in {self.log_dir}")
                time.sleep(0.1)

    def _fail_if_a_process_died(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                log = (self.log_dir / f"{name}.log").read_text()[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log}")

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text()

    def flask(self, service: str, *args: str) -> None:
        flask(service, self.config, *args)


def child_pids(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in children.split()]
    except FileNotFoundError:  # the process has exited
        return []


def launch(config: StackConfig, log_dir: Path) -> Stack:
    """Prepare, start and seed the stack in the background; return once every process answers."""
    prepare(config, say=lambda _line: None)
    stack = Stack(config, log_dir)
    try:
        for name in processes():
            stack.start(name)
        stack.wait_until_healthy()
        seed_content(config)
    except BaseException:
        stack.shutdown()  # never leave half a stack running
        raise
    return stack
