"""Revocation: tokens of a version an account has ended are refused within one poll of
auth_service's feed, which is read in the background, never per request."""

import asyncio
import logging

from tests.conftest import echo, echoed_headers

ACCOUNT = "0d1e2f30-4a5b-4c6d-8e7f-901a2b3c4d5e"
OTHER = "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"


def bearer(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


async def status_of(gateway, token: str) -> int:
    return (await gateway.get("/api/user", headers=bearer(token))).status


async def test_tokens_below_the_accounts_version_are_refused(make_gateway, upstreams, signing_key):
    upstreams.revoke(ACCOUNT, 2)
    gateway = await make_gateway()

    assert await status_of(gateway, signing_key.token(ACCOUNT, ver=1)) == 401
    assert await status_of(gateway, signing_key.token(ACCOUNT)) == 401  # signed before versions
    assert await status_of(gateway, signing_key.token(ACCOUNT, ver=2)) == 200
    assert await status_of(gateway, signing_key.token(OTHER, ver=1)) == 200


async def test_a_revocation_is_enforced_within_one_poll(make_gateway, upstreams, signing_key):
    gateway = await make_gateway(REVOCATION_POLL_SECONDS=0.1)
    token = signing_key.token(ACCOUNT, ver=1)
    assert await status_of(gateway, token) == 200

    upstreams.revoke(ACCOUNT, 2)
    await asyncio.sleep(0.3)

    response = await gateway.get("/api/user", headers=bearer(token))
    assert (response.status, await response.json()) == (401, {"errors": {"token": ["is invalid"]}})
    web_ui = await gateway.get("/", headers=bearer(token))
    assert "x-titanium-user-id" not in echoed_headers(await echo(web_ui))


async def test_checking_a_token_asks_auth_service_nothing(make_gateway, upstreams, signing_key):
    gateway = await make_gateway(REVOCATION_POLL_SECONDS=60)
    token = signing_key.token(ACCOUNT, ver=1)

    statuses = [await status_of(gateway, token) for _ in range(20)]

    assert statuses == [200] * 20
    assert len(upstreams.feed_queries) == 1  # read once before serving
    assert float(upstreams.feed_queries[0]["since"]) > 0


async def test_an_unreadable_feed_is_logged_once_and_read_again_later(
    make_gateway, upstreams, signing_key, caplog
):
    upstreams.feed_status = 503
    with caplog.at_level(logging.INFO, logger="titanium_common.revocations"):
        gateway = await make_gateway(REVOCATION_POLL_SECONDS=0.05)
        token = signing_key.token(ACCOUNT, ver=1)
        assert await status_of(gateway, token) == 200  # what is known still holds
        await asyncio.sleep(0.2)
        upstreams.revoke(ACCOUNT, 2)
        upstreams.feed_status = 200
        await asyncio.sleep(0.2)

    assert await status_of(gateway, token) == 401
    records = [r for r in caplog.records if r.name == "titanium_common.revocations"]
    assert [record.levelname for record in records] == ["WARNING", "INFO"]
    assert records[-1].getMessage() == "revocation feed read again"
