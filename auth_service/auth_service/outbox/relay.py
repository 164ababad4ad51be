"""The relay: a long-running loop that delivers pending outbox events until they land."""

import logging
import signal
import threading
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from auth_service.extensions import db
from auth_service.outbox.delivery import deliver_due, pending_count

log = logging.getLogger(__name__)


class RelayMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.pending = Gauge(
            "titanium_outbox_pending_events",
            "Outbox events not yet delivered to user_service.",
            registry=self.registry,
        )
        self.delivered = Counter(
            "titanium_outbox_deliveries",
            "Outbox events delivered to user_service.",
            registry=self.registry,
        )
        self.failed = Counter(
            "titanium_outbox_delivery_failures",
            "Failed attempts to deliver an outbox event.",
            registry=self.registry,
        )

    def serve(self, port: int):
        """Expose the metrics over HTTP; returns the server (None when port is 0)."""
        if not port:
            return None
        # Every interface: in a pod, Prometheus scrapes the pod IP.
        server, _thread = start_http_server(port, addr="0.0.0.0", registry=self.registry)  # noqa: S104
        return server


def run_relay(
    interval_seconds: float, metrics: RelayMetrics, stop: threading.Event, once: bool = False
) -> None:
    """Deliver due events every interval until `stop` is set (or after one pass with `once`)."""
    while True:
        try:
            delivered, failed = deliver_due()
            metrics.delivered.inc(delivered)
            metrics.failed.inc(failed)
            metrics.pending.set(pending_count())
        except Exception:  # a database hiccup must not kill the relay; the next pass retries
            log.exception("outbox relay pass failed")
        finally:
            db.session.remove()
        if once or stop.wait(interval_seconds):
            return


@contextmanager
def stop_on_signals(stop: threading.Event):
    """SIGTERM (Kubernetes) and SIGINT (Ctrl-C) end the loop after the current pass."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
