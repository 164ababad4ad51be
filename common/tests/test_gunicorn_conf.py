import os

from titanium_common.gunicorn_conf import gunicorn_settings
from titanium_common.logging import JsonFormatter, TextFormatter
from titanium_common.settings import REQUIRED, Setting, server_settings

DECLARED = [*server_settings(port=8123), Setting("SECRET_KEY", REQUIRED, "a secret")]


def test_settings_come_from_the_declared_server_settings(monkeypatch):
    monkeypatch.setattr(os, "environ", {"HOST": "127.0.0.1", "WEB_THREADS": "1"})

    settings = gunicorn_settings("svc", DECLARED)

    assert settings["bind"] == ["127.0.0.1:8123"]  # the service's own default port
    assert settings["wsgi_app"] == "svc:create_app()"  # one command starts any service
    assert settings["workers"] == 2
    assert settings["worker_class"] == "sync"
    assert settings["logconfig_dict"]["formatters"]["line"] == {
        "()": JsonFormatter,
        "service": "svc",
    }


def test_text_logs_leave_out_gunicorn_boot_lines(monkeypatch):
    # `make run`'s console: no "Listening at: http://..." before the stack is seeded.
    monkeypatch.setattr(os, "environ", {"LOG_FORMAT": "text"})

    logging = gunicorn_settings("svc", DECLARED)["logconfig_dict"]

    assert logging["formatters"]["line"]["()"] is TextFormatter
    assert logging["loggers"]["gunicorn.error"]["level"] == "WARNING"


def test_the_app_not_the_server_checks_the_secrets(monkeypatch):
    # gunicorn's master starts without SECRET_KEY; each worker's create_app refuses it.
    monkeypatch.setattr(os, "environ", {"WEB_CONCURRENCY": "1"})

    assert gunicorn_settings("svc", DECLARED)["workers"] == 1


def test_several_workers_share_metrics_through_a_multiprocess_dir(monkeypatch):
    # gunicorn_settings exports the directory to its workers through os.environ: isolate it.
    monkeypatch.setattr(os, "environ", {"WEB_CONCURRENCY": "3"})

    settings = gunicorn_settings(
        "svc", DECLARED, app="svc.app:create_app()", worker_class="aiohttp.GunicornWebWorker"
    )

    assert os.path.isdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert settings["worker_class"] == "aiohttp.GunicornWebWorker"
    assert settings["wsgi_app"] == "svc.app:create_app()"
