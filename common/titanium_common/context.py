"""Per-request correlation: request id, W3C trace context, user id and client address, kept in
contextvars.

The gateway creates `X-Request-ID` and `traceparent`; every service reads them on the way in,
writes them into each log line, and forwards them on every call it makes (`outgoing_headers`).
The client address the gateway passes in CLIENT_ADDRESS_HEADER is forwarded the same way, so
auth_service throttles the browser behind a webapp page, never webapp itself.
"""

import re
import secrets
import uuid
from contextvars import ContextVar

from titanium_common.identity import CLIENT_ADDRESS_HEADER

REQUEST_ID_HEADER = "X-Request-ID"
TRACEPARENT_HEADER = "traceparent"

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id_var: ContextVar[str | None] = ContextVar("trace_id", default=None)
span_id_var: ContextVar[str | None] = ContextVar("span_id", default=None)
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)
client_address_var: ContextVar[str | None] = ContextVar("client_address", default=None)
db_queries_var: ContextVar[int] = ContextVar("db_queries", default=0)
# Whether this request may have changed data anywhere: a statement that writes, or a write call
# to another service that was not refused. A refused write that changed nothing tells the gateway
# so (titanium_common.caching), and its edge cache keeps its pages.
changed_var: ContextVar[bool] = ContextVar("changed", default=False)


def accept_request_id(value: str | None) -> str:
    """Keep a well-formed incoming request id, otherwise make a new one."""
    if value and _REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def accept_traceparent(value: str | None) -> tuple[str, str, str]:
    """Return (trace_id, this hop's span id, traceparent to send on), continuing a valid parent."""
    match = _TRACEPARENT.match(value.strip().lower()) if value else None
    trace_id = match.group(1) if match and match.group(1) != "0" * 32 else secrets.token_hex(16)
    flags = match.group(3) if match else "01"
    span_id = secrets.token_hex(8)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-{flags}"


def begin(request_id: str | None, traceparent: str | None) -> str:
    """Set the context for one request; returns the traceparent for calls made on its behalf."""
    request_id_var.set(accept_request_id(request_id))
    trace_id, span_id, outgoing = accept_traceparent(traceparent)
    trace_id_var.set(trace_id)
    span_id_var.set(span_id)
    user_id_var.set(None)
    client_address_var.set(None)
    db_queries_var.set(0)
    changed_var.set(False)
    return outgoing


def note_change() -> None:
    """This request may have changed data (see `changed_var`)."""
    changed_var.set(True)


def outgoing_headers() -> dict[str, str]:
    """Headers that carry the current request's correlation to an upstream call."""
    headers = {}
    if request_id := request_id_var.get():
        headers[REQUEST_ID_HEADER] = request_id
    if (trace_id := trace_id_var.get()) and (span_id := span_id_var.get()):
        headers[TRACEPARENT_HEADER] = f"00-{trace_id}-{span_id}-01"
    if client_address := client_address_var.get():
        headers[CLIENT_ADDRESS_HEADER] = client_address
    return headers
