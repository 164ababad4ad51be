"""Building blocks of the system tests: a running stack and a RealWorld client."""

import uuid
from pathlib import Path

import requests

from scripts.stack import Ports, Stack, StackConfig, free_port, launch
from tests.contract import check_response
from titanium_common.testing import Backend, assert_reachable

# A system test gets a fresh, fast stack: cheap password hashing, no throttling surprises.
TEST_ENV = {
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "8192",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
    "LOG_LEVEL": "INFO",
}


def unique(prefix: str) -> str:
    """A name no other test (or earlier run on the same database) has used."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def start_stack(backend: Backend, tmp_dir: Path, redis_url: str | None = None) -> Stack:
    """A fresh stack on free ports with its own databases; `redis_url` overrides the backend's."""
    assert_reachable(backend)
    run = uuid.uuid4().hex[:8]
    config = StackConfig(
        var_dir=tmp_dir / "var",
        ports=Ports(*(free_port() for _ in range(5))),
        postgres_server_url=backend.postgres_server_url,
        redis_url=backend.redis_url if redis_url is None else redis_url,
        database_suffix=f"_systest_{run}",
        redis_namespace=f"systest:{run}",
        extra_env=TEST_ENV,
    )
    return launch(config, tmp_dir)


def stop_stack(stack: Stack) -> None:
    stack.shutdown(drop_databases=True)


def gateway_session() -> requests.Session:
    """A session for talking to the gateway: every /api response it gets is checked against
    the RealWorld contract (tests/contract.py) before the test sees it."""
    session = requests.Session()
    session.hooks["response"].append(check_response)
    return session


class Api:
    """A RealWorld client bound to the gateway's /api, with helpers for unique users."""

    def __init__(self, base_url: str):
        self.base = f"{base_url}/api"
        self.session = gateway_session()

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

    def create_article(self, token: str, **fields) -> dict:
        """A published article with a unique title; `fields` override title, body, tagList..."""
        article = {
            "title": unique("Title "),
            "description": "What it is about",
            "body": "Some *markdown* body.",
            **fields,
        }
        response = self.call("POST", "/articles", token, json={"article": article})
        assert response.status_code == 201, response.text
        return response.json()["article"]
