"""The contract between the services and the gateway's edge page cache (ADR 0005).

The gateway forgets every cached page after any successful write. A service answers a write
that changes nothing any page shows (a sign-in, a markdown preview) with UNCHANGED_HEADER, so the
cache survives it; the gateway drops the header before the client sees it.
"""

UNCHANGED_HEADER = "X-Titanium-Unchanged"
