"""`flask outbox relay`: a pass delivers what is due; the loop stops on signals; metrics."""

import os
import signal
import threading
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from auth_service.extensions import db
from auth_service.models import OutboxEvent, utc_now
from auth_service.outbox import relay as relay_module
from auth_service.outbox.relay import RelayMetrics, run_relay
from tests.conftest import free_port


def make_due(app):
    """Make every pending event due now, as if its backoff had passed."""
    with app.app_context():
        db.session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.delivered_at.is_(None))
            .values(next_attempt_at=utc_now() - timedelta(seconds=1))
        )
        db.session.commit()


def test_relay_once_delivers_pending_events(app, users, cli_runner, fake_user_service, fake_webapp):
    fake_user_service.answer_status = 503
    user = users.register()
    fake_user_service.answer_status = 200
    make_due(app)

    result = cli_runner.invoke(args=["outbox", "relay", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output == "relay stopped; 0 event(s) pending (user_service: 0, webapp: 0)\n"
    assert fake_user_service.profiles[user["id"]]["username"] == user["username"]


def test_a_pass_updates_the_metrics_per_destination(app, users, fake_user_service, fake_webapp):
    fake_webapp.answer_status = 503
    with app.app_context():  # a clean slate: nothing pending from earlier tests
        db.session.execute(sa.update(OutboxEvent).values(delivered_at=utc_now()))
        db.session.commit()
    fake_user_service.answer_status = 503
    users.register()
    fake_user_service.answer_status = 200
    make_due(app)
    metrics = RelayMetrics()

    with app.app_context():
        run_relay(0, metrics, threading.Event(), once=True)

    def sample(name, destination):
        return metrics.registry.get_sample_value(name, {"destination": destination})

    assert sample("titanium_outbox_deliveries_total", "user_service") == 1
    assert sample("titanium_outbox_delivery_failures_total", "user_service") == 0
    assert sample("titanium_outbox_pending_events", "user_service") == 0
    assert sample("titanium_outbox_deliveries_total", "webapp") == 0
    assert sample("titanium_outbox_delivery_failures_total", "webapp") == 1
    assert sample("titanium_outbox_pending_events", "webapp") == 1


def test_the_loop_runs_until_stopped(app):
    stop = threading.Event()
    passes = []

    def counting_pass(*args, **kwargs):
        passes.append(1)
        if len(passes) == 3:
            stop.set()
        return []

    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(relay_module, "deliver_due", counting_pass)
        run_relay(0.01, RelayMetrics(), stop)

    assert len(passes) == 3


def test_a_failing_pass_is_logged_and_the_loop_goes_on(app, caplog):
    stop = threading.Event()
    calls = []

    def flaky_pass(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        stop.set()
        return []

    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(relay_module, "deliver_due", flaky_pass)
        run_relay(0.01, RelayMetrics(), stop)

    assert len(calls) == 2
    assert "outbox relay pass failed" in caplog.text


def test_sigterm_stops_the_relay_cleanly(app, cli_runner, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_RELAY_INTERVAL_SECONDS", 0.05)
    previous = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()

    result = cli_runner.invoke(args=["outbox", "relay"])

    timer.join()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("relay stopped;")
    assert signal.getsignal(signal.SIGTERM) is previous


def test_metrics_are_served_over_http(app, cli_runner, monkeypatch):
    port = free_port()
    monkeypatch.setitem(app.config, "RELAY_METRICS_PORT", port)
    monkeypatch.setitem(app.config, "OUTBOX_RELAY_INTERVAL_SECONDS", 0.05)
    scraped = {}

    def scrape_then_stop():
        scraped["text"] = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.3, scrape_then_stop)
    timer.start()
    result = cli_runner.invoke(args=["outbox", "relay"])
    timer.join()

    assert result.exit_code == 0, result.output
    assert "titanium_outbox_pending_events" in scraped["text"]
    assert "titanium_outbox_deliveries_total" in scraped["text"]
