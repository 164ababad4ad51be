"""Gunicorn settings every service shares, built from the service's declared server settings.

A service's `gunicorn.conf.py` calls `gunicorn_settings(...)` and puts the result in its globals.
"""

import os
import tempfile
from collections.abc import Sequence

from prometheus_client import multiprocess

from titanium_common.logging import formatter_class
from titanium_common.settings import Setting, load, server_settings

SERVER_SETTINGS = frozenset(setting.name for setting in server_settings(port=0))


def gunicorn_settings(
    service: str,
    declared: Sequence[Setting],
    *,
    app: str | None = None,
    worker_class: str | None = None,
    internal_port: int | None = None,
) -> dict:
    """Gunicorn's settings for `service`. `app` is what it serves (`<service>:create_app()` by
    default), so one command, `gunicorn -c gunicorn.conf.py`, starts any service.
    `internal_port` is a second listener on HOST, which the app tells from PORT."""
    # Only the server's own settings: the app reads (and checks) the rest in each worker.
    server = load([setting for setting in declared if setting.name in SERVER_SETTINGS])
    workers, threads = server.WEB_CONCURRENCY, server.WEB_THREADS
    if workers > 1 and not server.PROMETHEUS_MULTIPROC_DIR:
        # Workers are separate processes: metrics are aggregated through this directory.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"{service}-metrics-")

    def child_exit(server, worker):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.mark_process_dead(worker.pid)

    return {
        "wsgi_app": app or f"{service}:create_app()",
        "bind": [
            f"{server.HOST}:{port}" for port in (server.PORT, internal_port) if port is not None
        ],
        "workers": workers,
        "threads": threads,
        "worker_class": worker_class or ("gthread" if threads > 1 else "sync"),
        "timeout": server.WEB_TIMEOUT,
        "graceful_timeout": server.WEB_GRACEFUL_TIMEOUT,
        "keepalive": server.WEB_KEEPALIVE,
        "proc_name": service,
        "accesslog": None,
        # One control socket per user would be shared by every service's master; none is used.
        "control_socket_disable": True,
        # Heartbeat files in memory: a read-only root filesystem has no writable /tmp on disk.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,  # noqa: S108
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"line": {"()": formatter_class(server.LOG_FORMAT), "service": service}},
            "handlers": {
                "stdout": {
                    "class": "logging.StreamHandler",
                    "formatter": "line",
                    "stream": "ext://sys.stdout",
                }
            },
            "root": {"level": server.LOG_LEVEL, "handlers": ["stdout"]},
            "loggers": {
                # Text is for a person at a console: gunicorn's boot and shutdown lines ("Listening
                # at ...", "Booting worker") only when something is wrong.
                "gunicorn.error": {
                    "level": "INFO" if server.LOG_FORMAT == "json" else "WARNING",
                    "handlers": ["stdout"],
                    "propagate": False,
                }
            },
        },
        "child_exit": child_exit,
    }
