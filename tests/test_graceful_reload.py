"""A graceful reload (SIGHUP to a gunicorn master: new workers, then the old ones stop) of any
service drops no request: readers keep their connections busy through it and none fails."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support import Api, eventually

SERVICES = ("api_gateway", "webapp", "auth_service", "user_service")


def workers_of(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


class Readers:
    """Clients that each keep one keep-alive connection to the gateway busy, reaching every
    service, and record whatever did not get a proper answer."""

    def __init__(self, base_url: str, token: str, count: int = 4):
        self.paths = ["/api/tags", "/api/profiles/nobody-at-all", "/api/user", "/"]
        self.base, self.token = base_url, token
        self.failures: list[str] = []
        self.answered = 0
        self.running = True
        self.threads = [threading.Thread(target=self.read) for _ in range(count)]

    def read(self) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {self.token}"
            while self.running:
                for path in self.paths:
                    try:
                        response = session.get(f"{self.base}{path}", timeout=10)
                    except requests.RequestException as error:
                        self.failures.append(f"{path}: {error!r}")
                        continue
                    if response.status_code >= 500:
                        self.failures.append(
                            f"{path}: {response.status_code} {response.text[:200]}"
                        )
                    self.answered += 1

    def __enter__(self) -> "Readers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        for thread in self.threads:
            thread.join()


@pytest.mark.parametrize("service", SERVICES)
def test_a_graceful_reload_drops_no_request(stack, service):
    token = Api(stack.url).register()["token"]
    master = stack.running[service].pid
    before = workers_of(master)

    with Readers(stack.url, token) as readers:
        eventually(lambda: readers.answered >= 20)
        os.kill(master, signal.SIGHUP)
        # Reloaded: every worker is new (the old ones finished and exited)...
        assert eventually(lambda: not workers_of(master) & before and workers_of(master)), service
        # ...and the new ones serve for a while.
        answered = readers.answered
        eventually(lambda: readers.answered >= answered + 50)
        time.sleep(0.5)

    assert readers.failures == [], service
    stack.wait_until_healthy()
