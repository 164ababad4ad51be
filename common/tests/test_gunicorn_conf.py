import os

from titanium_common.gunicorn_conf import gunicorn_settings


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    monkeypatch.setenv("WEB_THREADS", "1")

    settings = gunicorn_settings("svc")

    assert settings["bind"] == "127.0.0.1:8123"
    assert settings["workers"] == 1
    assert settings["worker_class"] == "sync"
    assert settings["logconfig_dict"]["formatters"]["json"]["service"] == "svc"


def test_several_workers_share_metrics_through_a_multiprocess_dir(monkeypatch):
    # gunicorn_settings exports the directory to its workers through os.environ: isolate it.
    monkeypatch.setattr(os, "environ", {"WEB_CONCURRENCY": "3"})

    settings = gunicorn_settings("svc", worker_class="aiohttp.GunicornWebWorker")

    assert os.path.isdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert settings["worker_class"] == "aiohttp.GunicornWebWorker"
