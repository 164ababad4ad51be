"""Settings from the environment, the command-line entry point, and multiprocess metrics."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from api_gateway.settings import load_settings, upstream_urls
from tests.conftest import free_port

GUNICORN_CONF = Path(__file__).parents[1] / "gunicorn.conf.py"


def test_defaults_work_on_a_laptop(monkeypatch):
    for name in ("AUTH_SERVICE_URL", "REDIS_URL", "TITANIUM_REDIS_URL", "RATE_LIMIT_REQUESTS"):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings()

    assert settings.PORT == 8080
    assert settings.REDIS_URL == ""
    assert settings.RATE_LIMIT_REQUESTS == 1200
    assert upstream_urls(settings)["auth_service"] == "http://127.0.0.1:8082"


def test_environment_and_overrides_are_read(monkeypatch):
    monkeypatch.setenv("TITANIUM_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("RATE_LIMIT_REQUESTS", "5")
    monkeypatch.setenv("USER_SERVICE_URL", "http://user-service:8000/")

    settings = load_settings({"PORT": 9000})

    assert settings.REDIS_URL == "redis://cache:6379/0"
    assert settings.RATE_LIMIT_REQUESTS == 5
    assert settings.PORT == 9000
    assert upstream_urls(settings)["user_service"] == "http://user-service:8000"


def test_a_malformed_number_stops_the_boot(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_REQUESTS", "lots")

    with pytest.raises(ValueError, match="RATE_LIMIT_REQUESTS"):
        load_settings()


def test_python_dash_m_serves_on_host_port_and_internal_port(monkeypatch):
    public, internal = free_port(), free_port()
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", str(public))
    monkeypatch.setenv("INTERNAL_PORT", str(internal))
    served = {}
    monkeypatch.setattr(web, "run_app", lambda app, **options: served.update(options, app=app))
    monkeypatch.setattr("titanium_common.logging.configure_logging", lambda *args: None)

    runpy.run_module("api_gateway", run_name="__main__")

    assert isinstance(served["app"], web.Application)
    listening = [listener.getsockname() for listener in served["sock"]]
    for listener in served["sock"]:
        listener.close()
    assert listening == [("127.0.0.1", public), ("127.0.0.1", internal)]


def test_gunicorn_runs_aiohttp_workers_on_the_gateway_port(monkeypatch, tmp_path):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    config = runpy.run_path(str(GUNICORN_CONF))

    assert config["bind"] == ["0.0.0.0:8080", "0.0.0.0:9080"]  # public, then internal
    assert (config["workers"], config["worker_class"]) == (2, "aiohttp.GunicornWebWorker")


def test_metrics_aggregate_across_worker_processes(tmp_path):
    # prometheus_client picks its storage at import time, so each "worker" is a fresh process.
    metrics = f"__import__('api_gateway.metrics').metrics.GatewayMetrics({str(tmp_path)!r})"
    worker = f"{metrics}.observe('webapp', 'BREW', 200, 0.01)"
    scrape = f"print({metrics}.exposition().decode())"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True)

    text = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, capture_output=True, text=True
    ).stdout

    assert (
        'titanium_gateway_requests_total{method="OTHER",status="200",upstream="webapp"} 2.0' in text
    )


def test_the_gateway_needs_nothing_its_image_does_not_install():
    """The gateway's image installs requirements/api_gateway.txt only: no Flask, no SQLAlchemy
    (a shared module that imports them once kept its pod from starting)."""
    blocked = ("flask", "sqlalchemy", "flask_sqlalchemy", "psycopg2", "werkzeug")
    script = (
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError(f'not in the gateway image: {name}')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "from api_gateway.app import create_app\n"
        "create_app()\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
