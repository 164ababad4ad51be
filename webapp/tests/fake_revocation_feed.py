"""A stand-in for auth_service's revocation feed on a real socket, with a switch to fail."""

import threading
import time
from dataclasses import dataclass, field

from flask import Flask, request
from werkzeug.serving import make_server

from titanium_common.identity import REVOCATIONS_PATH


@dataclass
class FakeRevocationFeed:
    entries: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    failure_status: int | None = None
    url: str = ""

    def revoke(self, account_id: str, version: int) -> None:
        self.entries.append({"account": account_id, "version": version, "at": time.time()})

    def wsgi_app(self) -> Flask:
        app = Flask("fake_revocation_feed")

        @app.get(REVOCATIONS_PATH)
        def feed():
            self.queries.append(dict(request.args))
            if self.failure_status:
                return {"errors": {"service": ["unavailable"]}}, self.failure_status
            return {"revocations": self.entries, "next_since": time.time(), "complete": True}

        return app


def serve(fake: FakeRevocationFeed):
    """Start the fake on a free port of 127.0.0.1; returns the server (call shutdown())."""
    server = make_server("127.0.0.1", 0, fake.wsgi_app(), threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
