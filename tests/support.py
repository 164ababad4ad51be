"""Building blocks of the system tests: a running stack and a RealWorld client."""

import socket
import subprocess
import time
import uuid
from pathlib import Path

import requests

from scripts.stack import REPO, Ports, StackConfig, environment_for, flask, prepare, processes
from titanium_common.backends import drop_database
from titanium_common.testing import Backend, assert_reachable

# A system test gets a fresh, fast stack: cheap password hashing, no throttling surprises.
TEST_ENV = {
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "8192",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
    "LOG_LEVEL": "INFO",
}


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
        log = (self.log_dir / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            processes()[name],
            cwd=REPO,
            env=environment_for(self.config, name),
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

    def wait_until_healthy(self, timeout: float = 60) -> None:
        ports = self.config.ports
        urls = [
            f"http://127.0.0.1:{port}/readyz"
            for name, port in (
                ("api_gateway", ports.gateway),
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
                    if requests.get(url, timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
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


def start_stack(backend: Backend, tmp_dir: Path, **overrides) -> Stack:
    assert_reachable(backend)
    config = StackConfig(
        var_dir=tmp_dir / "var",
        ports=Ports(*(free_port() for _ in range(5))),
        postgres_server_url=backend.postgres_server_url,
        redis_url=overrides.pop("redis_url", backend.redis_url),
        database_suffix=f"_systest_{uuid.uuid4().hex[:8]}",
        extra_env={**TEST_ENV, **overrides.pop("extra_env", {})},
    )
    prepare(config, say=lambda _line: None)
    stack = Stack(config, tmp_dir)
    for name in processes():
        stack.start(name)
    stack.wait_until_healthy()
    return stack


def stop_stack(stack: Stack) -> None:
    for name in list(stack.running):
        stack.stop(name)
    if stack.config.postgres_server_url:
        for service in ("auth_service", "user_service"):
            drop_database(stack.config.database_url(service))


class Api:
    """A RealWorld client bound to the gateway's /api, with helpers for unique users."""

    def __init__(self, base_url: str):
        self.base = f"{base_url}/api"
        self.session = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Token {token}"
        return self.session.request(
            method, f"{self.base}{path}", headers=headers, timeout=10, **kwargs
        )

    def register(self, **fields) -> dict:
        suffix = uuid.uuid4().hex[:10]
        user = {
            "username": f"u{suffix}",
            "email": f"u{suffix}@example.test",
            "password": "correct horse battery",
            **fields,
        }
        response = self.call("POST", "/users", json={"user": user})
        assert response.status_code == 201, response.text
        return {**response.json()["user"], "password": user["password"]}
