"""Fixtures of the attack suites (`make test-attacks`): the same real stack as the system tests
(tests/conftest.py, once per configured backend), people who own things, and the services'
own addresses for the probes that go around the gateway."""

from dataclasses import dataclass

import jwt
import pytest


@dataclass(frozen=True)
class Person:
    """A registered account as an attacker or a victim sees it."""

    id: str
    username: str
    email: str
    password: str
    token: str


def person(api) -> Person:
    user = api.register()
    subject = jwt.decode(user["token"], options={"verify_signature": False})["sub"]
    return Person(subject, user["username"], user["email"], user["password"], user["token"])


@pytest.fixture
def victim(api) -> Person:
    return person(api)


@pytest.fixture
def attacker(api) -> Person:
    return person(api)


@pytest.fixture
def service_url(stack):
    """The base URL of one of the stack's processes, by service name; the gateway's is its
    internal listener, where its own endpoints are (the public one proxies)."""
    ports = stack.config.ports

    def url(service: str) -> str:
        port = ports.gateway_internal if service == "api_gateway" else getattr(ports, service)
        return f"http://127.0.0.1:{port}"

    return url
