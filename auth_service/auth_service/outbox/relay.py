"""The relay: a long-running loop that delivers pending outbox events until they land."""

import logging
import signal
import threading
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from auth_service import mail
from auth_service.extensions import db
from auth_service.outbox.delivery import deliver_due, pending_by_destination
from auth_service.outbox.destinations import DESTINATIONS

log = logging.getLogger(__name__)


class RelayMetrics:
    """Per destination, so a backlog or failures toward one service show as that service's."""

    def __init__(self):
        self.registry = CollectorRegistry()
        labels = ["destination"]
        self.pending = Gauge(
            "titanium_outbox_pending_events",
            "Outbox events not yet delivered to their destination.",
            labels,
            registry=self.registry,
        )
        self.delivered = Counter(
            "titanium_outbox_deliveries",
            "Outbox events delivered to their destination.",
            labels,
            registry=self.registry,
        )
        self.failed = Counter(
            "titanium_outbox_delivery_failures",
            "Failed attempts to deliver an outbox event.",
            labels,
            registry=self.registry,
        )
        for destination in DESTINATIONS:  # every series exists from the start, at zero
            for metric in (self.pending, self.delivered, self.failed):
                metric.labels(destination)

    def record(self, outcomes: list[tuple[str, bool]], pending: dict[str, int]) -> None:
        for destination, delivered in outcomes:
            (self.delivered if delivered else self.failed).labels(destination).inc()
        for destination, count in pending.items():
            self.pending.labels(destination).set(count)

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
            outcomes = deliver_due()
            metrics.record(outcomes, pending_by_destination())
            mail.send_due()  # mail a request's own thread could not send (SMTP down)
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
