"""Correlation ids, JSON access logs, metrics, and errors that are always RealWorld JSON."""

import asyncio
import io
import json
import logging
import re

import aiohttp
import pytest
from aiohttp import web

from api_gateway.ratelimit import RateLimiter
from tests.conftest import echo, echoed_headers, internal_get
from titanium_common.logging import JsonFormatter

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
USER_ID = "9a8b7c6d-1e2f-4a5b-8c9d-0e1f2a3b4c5d"


@pytest.fixture
def access_lines():
    """JSON access-log lines, formatted as in production (correlation fields included)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("api_gateway"))
    logger = logging.getLogger("titanium.access")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


async def test_a_well_formed_request_id_is_kept_end_to_end(gateway_client):
    response = await gateway_client.get("/api/tags", headers={"X-Request-ID": "req-42.a:b"})

    assert echoed_headers(await echo(response))["x-request-id"] == ["req-42.a:b"]
    assert response.headers["X-Request-ID"] == "req-42.a:b"


@pytest.mark.parametrize("incoming", [None, "bad id with spaces", "x" * 200])
async def test_a_missing_or_malformed_request_id_is_replaced(gateway_client, incoming):
    headers = {"X-Request-ID": incoming} if incoming else {}

    response = await gateway_client.get("/api/tags", headers=headers)

    created = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", created)
    assert echoed_headers(await echo(response))["x-request-id"] == [created]


async def test_request_id_is_returned_on_answers_the_gateway_gives_itself(gateway_client):
    for path in ("/healthz", "/api/nowhere"):
        response = await gateway_client.get(path, headers={"X-Request-ID": "mine"})
        assert response.headers["X-Request-ID"] == "mine"


async def test_an_incoming_traceparent_is_continued_with_a_new_span(gateway_client):
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    response = await gateway_client.get("/api/tags", headers={"traceparent": parent})

    sent = echoed_headers(await echo(response))["traceparent"][0]
    trace_id, span_id, flags = TRACEPARENT.match(sent).groups()
    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert span_id != "00f067aa0ba902b7"
    assert flags == "01"


@pytest.mark.parametrize("incoming", [None, "garbage"])
async def test_a_trace_is_started_when_none_is_valid(gateway_client, incoming):
    headers = {"traceparent": incoming} if incoming else {}

    response = await gateway_client.get("/api/tags", headers=headers)

    assert TRACEPARENT.match(echoed_headers(await echo(response))["traceparent"][0])


async def test_one_json_access_line_per_request(gateway_client, signing_key, access_lines):
    headers = {"X-Request-ID": "log-me", "Authorization": f"Token {signing_key.token(USER_ID)}"}

    await gateway_client.get("/api/articles/feed", headers=headers)

    [line] = [entry for entry in access_lines() if entry["path"] == "/api/articles/feed"]
    assert line["request_id"] == "log-me"
    assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"])
    assert line["user_id"] == USER_ID
    assert (line["upstream"], line["route"]) == ("webapp", "/api/articles/{tail}")
    assert (line["method"], line["status"], line["level"]) == ("GET", 200, "info")
    assert line["duration_ms"] >= 0


async def test_requests_are_counted_and_timed_per_upstream(gateway_client):
    await gateway_client.get("/api/tags")
    await gateway_client.post("/api/nowhere")

    metrics = await (await internal_get(gateway_client, "/metrics")).text()

    assert (
        'titanium_gateway_requests_total{method="GET",status="200",upstream="webapp"} 1.0'
        in metrics
    )
    assert (
        'titanium_gateway_requests_total{method="POST",status="404",upstream="gateway"} 1.0'
        in metrics
    )
    assert 'titanium_gateway_request_duration_seconds_count{upstream="webapp"} 1.0' in metrics


async def test_an_unexpected_error_is_a_json_500(gateway_client, monkeypatch):
    async def broken(self, client):
        raise RuntimeError("bug")

    monkeypatch.setattr(RateLimiter, "hit", broken)

    response = await gateway_client.get("/api/tags")

    assert response.status == 500
    assert await response.json() == {"errors": {"server": ["internal error"]}}


async def test_an_http_error_is_json_too(gateway_client, monkeypatch):
    async def refuse(self, client):
        raise web.HTTPRequestEntityTooLarge(max_size=1, actual_size=2)

    monkeypatch.setattr(RateLimiter, "hit", refuse)

    response = await gateway_client.get("/api/tags")

    assert response.status == 413
    assert await response.json() == {"errors": {"request": ["request entity too large"]}}


async def test_an_upstream_that_stalls_mid_reply_breaks_the_connection(gateway_client):
    response = await gateway_client.get("/export?size=1000000&stall=3")

    assert response.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/article/%00", "path"),
        ("/api/profiles/a%00b", "path"),
        ("/tag/%1B%5B2J", "path"),
        ("/search?q=%00", "query"),
        ("/api/articles?tag=%00", "query"),
        ("/api/articles?tag%07=x", "query"),
        ("/feed.xml?x=%7F", "query"),
    ],
)
async def test_refused_characters_in_a_path_or_query_are_400_and_never_forwarded(
    gateway_client, upstreams, path, field
):
    response = await gateway_client.get(path)

    assert response.status == 400
    assert await response.json() == {
        "errors": {field: ["contains characters that are not allowed"]}
    }


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # TLS spoken to the HTTP port
    ],
)
async def test_a_malformed_request_is_a_400_and_one_warning_line(gateway_client, caplog, raw):
    reader, writer = await asyncio.open_connection(gateway_client.host, gateway_client.port)
    writer.write(raw)
    await writer.drain()
    reply = await reader.read(1024)
    writer.close()

    assert reply.split(b" ")[1] == b"400"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not [record for record in caplog.records if record.exc_info]
