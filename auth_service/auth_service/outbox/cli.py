"""`flask --app auth_service outbox relay [--once]`."""

import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from auth_service.outbox.delivery import pending_by_destination
from auth_service.outbox.relay import RelayMetrics, run_relay, stop_on_signals

outbox_cli = AppGroup("outbox", help="Deliver profile changes to user_service and webapp.")


@outbox_cli.command("relay")
@click.option("--once", is_flag=True, help="Deliver what is due once, then exit.")
def relay(once: bool):
    """Deliver pending profile events to their destinations, retrying with backoff."""
    config = current_app.config
    metrics = RelayMetrics()
    server = None if once else metrics.serve(config["RELAY_METRICS_PORT"])
    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            run_relay(config["OUTBOX_RELAY_INTERVAL_SECONDS"], metrics, stop, once=once)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    pending = pending_by_destination()
    by_destination = ", ".join(f"{name}: {count}" for name, count in pending.items())
    click.echo(f"relay stopped; {sum(pending.values())} event(s) pending ({by_destination})")


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
