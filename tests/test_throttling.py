"""Throttling protects the owner, not the attacker, through the real gateway.

The chart's topology puts the Istio ingress in front of the gateway: it appends the address it
saw to X-Forwarded-For and the gateway trusts that one hop (TRUSTED_PROXY_HOPS=1). `edge_stack`
runs the stack that way, and the tests play the ingress: each request carries the client's
address as the ingress would append it. Without a proxy in front (`make run`, TRUSTED_PROXY_HOPS
0) the address is the peer's, whatever X-Forwarded-For a client sends.
"""

import time

import pytest
import requests

from tests.support import Api, connect_from, start_stack, stop_stack, unique
from tests.web import Browser
from titanium_common.testing import configured_backends

FAILURES_PER_CLIENT = 50  # auth_service's default LOGIN_MAX_FAILURES_PER_CLIENT
SIGN_UPS_PER_CLIENT = 20  # and REGISTRATIONS_PER_CLIENT (which the other system tests turn off)
TOO_MANY = {"errors": {"login": ["too many failed attempts, try again later"]}}


@pytest.fixture(scope="module", params=configured_backends(), ids=lambda backend: backend.name)
def edge_stack(request, tmp_path_factory):
    env = {"TRUSTED_PROXY_HOPS": "1", "REGISTRATIONS_PER_CLIENT": str(SIGN_UPS_PER_CLIENT)}
    running = start_stack(request.param, tmp_path_factory.mktemp("edge"), env=env)
    yield running
    stop_stack(running)


def through_the_ingress(address: str) -> dict:
    """What the Istio ingress adds for a client it saw at `address`."""
    return {"X-Forwarded-For": address}


def sign_in(api: Api, email: str, password: str, headers: dict | None = None):
    body = {"user": {"email": email, "password": password}}
    return api.call("POST", "/users/login", json=body, headers=dict(headers or {}))


def test_one_address_failing_sign_ins_blocks_that_address_and_no_one_else(edge_stack):
    api = Api(edge_stack.url)
    owner = api.register()
    attacker = through_the_ingress("203.0.113.66")

    guesses = [
        sign_in(api, f"{unique('guess')}@example.test", "wrong password", attacker).status_code
        for _ in range(FAILURES_PER_CLIENT)
    ]
    blocked = sign_in(api, owner["email"], owner["password"], attacker)
    owner_api = sign_in(api, owner["email"], owner["password"], through_the_ingress("198.51.100.7"))
    browser = Browser(edge_stack.url)
    browser.session.headers.update(through_the_ingress("198.51.100.8"))

    assert guesses == [401] * FAILURES_PER_CLIENT
    assert (blocked.status_code, blocked.json()) == (429, TOO_MANY)
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    assert owner_api.status_code == 200
    browser.login(owner)  # the web form, through webapp, signs in too


def test_failures_from_many_addresses_cost_the_owner_a_second_not_fifteen_minutes(edge_stack):
    api = Api(edge_stack.url)
    owner = api.register()
    for n in range(5):
        attacker = through_the_ingress(f"203.0.113.{n + 1}")
        assert sign_in(api, owner["email"], "wrong password", attacker).status_code == 401
    from_home = through_the_ingress("198.51.100.9")

    first = sign_in(api, owner["email"], owner["password"], from_home)
    wait = int(first.headers.get("Retry-After", 0))
    assert first.status_code in (200, 429)
    assert wait <= 1
    time.sleep(wait)
    second = sign_in(api, owner["email"], owner["password"], from_home)

    assert second.status_code == 200


def test_sign_ups_are_limited_per_address(edge_stack):
    api = Api(edge_stack.url)

    def sign_up(address: str) -> requests.Response:
        name = unique("s")
        user = {"username": name, "email": f"{name}@example.test", "password": "long enough"}
        return api.call("POST", "/users", json={"user": user}, headers=through_the_ingress(address))

    statuses = [sign_up("203.0.113.77").status_code for _ in range(SIGN_UPS_PER_CLIENT + 1)]

    assert statuses == [201] * SIGN_UPS_PER_CLIENT + [429]
    assert sign_up("198.51.100.77").status_code == 201


def test_without_a_trusted_proxy_x_forwarded_for_cannot_pick_the_address(stack):
    # The session stack runs as `make run` does (TRUSTED_PROXY_HOPS=0). This client connects from
    # its own loopback address, so the address it gets blocked is its own alone.
    api = Api(stack.url)
    connect_from(api.session, "127.0.0.23")
    owner = Api(stack.url).register()

    def spoofed(n: int) -> dict:
        return {"X-Forwarded-For": f"198.51.100.{n}", "X-Titanium-Client-Address": f"10.0.{n}.1"}

    statuses = [
        sign_in(api, f"{unique('guess')}@example.test", "wrong password", spoofed(n)).status_code
        for n in range(FAILURES_PER_CLIENT + 1)
    ]
    other_client = connect_from(Api(stack.url).session, "127.0.0.24")

    assert statuses == [401] * FAILURES_PER_CLIENT + [429]
    body = {"user": {"email": owner["email"], "password": owner["password"]}}
    assert other_client.post(f"{stack.url}/api/users/login", json=body).status_code == 200
