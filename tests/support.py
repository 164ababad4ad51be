"""Building blocks of the system tests: a running stack and a RealWorld client."""

import time
import uuid
from dataclasses import fields
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from requests.adapters import HTTPAdapter

from scripts.stack import Ports, Stack, StackConfig, free_port, launch
from tests.contract import check_response
from titanium_common.identity import TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER
from titanium_common.testing import Backend, assert_reachable

# A system test gets a fresh, fast stack: cheap password hashing, no throttling surprises (the
# suite signs up hundreds of people from one address), and revocations (a password change)
# reach the gateway and webapp within half a second.
TEST_ENV = {
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "8192",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
    "REGISTRATIONS_PER_CLIENT": "0",
    "REVOCATION_POLL_SECONDS": "0.5",
    "LOG_LEVEL": "INFO",
}


def unique(prefix: str) -> str:
    """A name no other test (or earlier run on the same database) has used."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def start_stack(
    backend: Backend, tmp_dir: Path, redis_url: str | None = None, env: dict | None = None
) -> Stack:
    """A fresh stack on free ports with its own databases; `redis_url` overrides the backend's,
    `env` adds settings."""
    assert_reachable(backend)
    run = uuid.uuid4().hex[:8]
    config = StackConfig(
        var_dir=tmp_dir / "var",
        ports=Ports(*(free_port() for _ in fields(Ports))),
        postgres_server_url=backend.postgres_server_url,
        redis_url=backend.redis_url if redis_url is None else redis_url,
        database_suffix=f"_systest_{run}",
        redis_namespace=f"systest:{run}",
        extra_env={**TEST_ENV, **(env or {})},
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


def eventually(check, timeout: float = 15.0):
    """`check()`'s first truthy result, polling until `timeout`; its last result otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def newest_signing_key(stack: Stack):
    """The key auth_service signs with now (read from the stack's key folder)."""
    keys = sorted((stack.config.var_dir / "keys").glob("*.pem"), key=lambda p: p.stat().st_mtime)
    return load_pem_private_key(keys[-1].read_bytes(), password=None)


def sign(key, kid: str, **claims) -> str:
    """A token as auth_service would sign it with `key`; `claims` override or add claims."""
    now = int(time.time())
    payload = {"iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, key, algorithm=TOKEN_ALGORITHM, headers={"kid": kid})


class FromAddress(HTTPAdapter):
    """Connects from a given loopback address (127.0.0.0/8 is all this machine), so a test can
    be several clients that the gateway tells apart by their peer address."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


def connect_from(session: requests.Session, address: str) -> requests.Session:
    session.mount("http://", FromAddress(address))
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

    def add_comment(self, token: str, slug: str, body: str = "A comment.") -> dict:
        response = self.call(
            "POST", f"/articles/{slug}/comments", token, json={"comment": {"body": body}}
        )
        assert response.status_code == 201, response.text
        return response.json()["comment"]
