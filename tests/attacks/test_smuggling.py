"""Request smuggling: raw bytes to the gateway that frame a request two ways (Content-Length and
Transfer-Encoding together, two lengths, disguised Transfer-Encoding, bad chunk sizes) or bend
the request line and headers. Each is answered 400 or once and closed; the request hidden inside
never reaches a service (its unique path is in no access log); and a bystander's requests
afterwards get their own answers."""

import socket
import uuid

import pytest
import requests

MARKER = f"smuggled-{uuid.uuid4().hex[:12]}"
HIDDEN = f"GET /api/profiles/{MARKER} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
START = b"POST /api/articles HTTP/1.1\r\nHost: x\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


# Framed two ways, or in a way a strict parser must refuse: the answer is 400.
AMBIGUOUS = {
    "CL.TE": START + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HIDDEN,
    "TE.CL": START
    + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
    + chunk(HIDDEN)
    + b"0\r\n\r\n",
    "two Content-Lengths": START
    + b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(HIDDEN)
    + HIDDEN,
    "Content-Length list": START + b"Content-Length: 0, %d\r\n\r\n" % len(HIDDEN) + HIDDEN,
    "Content-Length with a sign": START + b"Content-Length: +0\r\n\r\n" + HIDDEN,
    "negative Content-Length": START + b"Content-Length: -1\r\n\r\n" + HIDDEN,
    "hex Content-Length": START + b"Content-Length: 0x0\r\n\r\n" + HIDDEN,
    "huge Content-Length": START + b"Content-Length: 99999999999999999999999\r\n\r\n" + HIDDEN,
    "space before the colon": START
    + b"Transfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n"
    + HIDDEN,
    "Transfer-Encoding xchunked": START + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + HIDDEN,
    "Transfer-Encoding chunked, identity": START
    + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "Transfer-Encoding identity, chunked twice": START
    + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "two Transfer-Encodings": START
    + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "folded Transfer-Encoding": START
    + b"X-Padding: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "Transfer-Encoding with a tab and CL": START
    + b"Transfer-Encoding:\tchunked\r\nContent-Length: 4\r\n\r\n"
    + chunk(HIDDEN)
    + b"0\r\n\r\n",
    "chunk size not hex": START
    + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"
    + HIDDEN,
    "negative chunk size": START
    + b"Transfer-Encoding: chunked\r\n\r\n-1\r\nab\r\n0\r\n\r\n"
    + HIDDEN,
    "chunk size overflow": START
    + b"Transfer-Encoding: chunked\r\n\r\n10000000000000001\r\nab\r\n0\r\n\r\n"
    + HIDDEN,
    "chunk lines ended by LF": START + b"Transfer-Encoding: chunked\r\n\r\n2\nab\n0\n\n" + HIDDEN,
    "chunk longer than its size": START
    + b"Transfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n"
    + HIDDEN,
    "NUL in a chunk extension": START
    + b"Transfer-Encoding: chunked\r\n\r\n2;x=\x00\r\nab\r\n0\r\n\r\n"
    + HIDDEN,
    "CR alone inside a header": START
    + b"X-A: a\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "NUL in a header": b"GET /api/tags HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n" + HIDDEN,
    "header without a colon": b"GET /api/tags HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n" + HIDDEN,
    "two Host headers": b"GET /api/tags HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + HIDDEN,
    "request line ended by LF": b"GET /api/tags HTTP/1.1\nHost: x\n\n" + HIDDEN,
    "space in the path": b"GET /api/tags " + HIDDEN,
    "unknown HTTP version": b"GET /api/tags HTTP/9.9\r\nHost: x\r\n\r\n" + HIDDEN,
    "NUL in the path": b"GET /api/\x00tags HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN,
}
# Odd but well framed: at most one answer, then the connection ends.
ANSWERED_ONCE = {
    "chunked body in HTTP/1.0": b"POST /api/articles HTTP/1.0\r\nHost: x\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HIDDEN,
    "absolute-form target on another host": b"GET http://evil.test/api/tags HTTP/1.1\r\n"
    b"Host: x\r\nConnection: close\r\n\r\n",
    "HTTP/0.9 request line": b"GET /api/tags\r\n\r\n" + HIDDEN,
}


def exchange(port: int, raw: bytes) -> bytes:
    """Everything the gateway sends back until it closes or falls silent for a second."""
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(raw)
        received = b""
        try:
            while chunk_ := connection.recv(65536):
                received += chunk_
        except TimeoutError:
            pass
    return received


def statuses(received: bytes) -> list[int]:
    return [
        int(line.split()[1])
        for line in received.split(b"\r\n")
        if line.startswith(b"HTTP/") and len(line.split()) > 1 and line.split()[1].isdigit()
    ]


@pytest.mark.parametrize("raw", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_an_ambiguous_request_is_refused_with_400_or_a_close(stack, raw):
    answers = statuses(exchange(stack.config.ports.gateway, raw))

    assert answers in ([], [400])


@pytest.mark.parametrize("raw", ANSWERED_ONCE.values(), ids=ANSWERED_ONCE.keys())
def test_an_odd_request_is_answered_once_and_the_rest_is_not_a_request(stack, raw):
    answers = statuses(exchange(stack.config.ports.gateway, raw))

    assert len(answers) <= 1


def test_nothing_hidden_reached_a_service_and_bystanders_get_their_own_answers(stack):
    port = stack.config.ports.gateway
    for raw in [*AMBIGUOUS.values(), *ANSWERED_ONCE.values()]:
        exchange(port, raw)

    with requests.Session() as bystander:
        tags = [bystander.get(f"{stack.url}/api/tags", timeout=10) for _ in range(5)]
        profiles = [
            bystander.get(f"{stack.url}/api/profiles/nobody-{n}", timeout=10) for n in range(5)
        ]

    assert [(r.status_code, list(r.json())) for r in tags] == [(200, ["tags"])] * 5
    assert [r.status_code for r in profiles] == [404] * 5
    assert all(MARKER not in r.text for r in [*tags, *profiles])
    for service in ("webapp", "auth_service", "user_service"):
        assert MARKER not in stack.log(service), f"a hidden request reached {service}"
