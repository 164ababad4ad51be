"""Gunicorn settings every service shares, built from the environment.

A service's `gunicorn.conf.py` calls `gunicorn_settings(...)` and puts the result in its globals.
"""

import os
import tempfile

from titanium_common.env import env_int, env_str


def gunicorn_settings(service: str, *, worker_class: str | None = None) -> dict:
    workers = env_int("WEB_CONCURRENCY", 2)
    threads = env_int("WEB_THREADS", 4)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers are separate processes: metrics are aggregated through this directory.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"{service}-metrics-")

    def child_exit(server, worker):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)

    return {
        # In a container the server must listen on every interface; `make run` sets HOST=127.0.0.1.
        "bind": f"{env_str('HOST', '0.0.0.0')}:{env_int('PORT', 8000)}",  # noqa: S104
        "workers": workers,
        "threads": threads,
        "worker_class": worker_class or ("gthread" if threads > 1 else "sync"),
        "timeout": env_int("WEB_TIMEOUT", 30),
        "graceful_timeout": env_int("WEB_GRACEFUL_TIMEOUT", 20),
        "keepalive": env_int("WEB_KEEPALIVE", 5),
        "proc_name": service,
        "accesslog": None,
        # One control socket per user would be shared by every service's master; none is used.
        "control_socket_disable": True,
        # Heartbeat files in memory: a read-only root filesystem has no writable /tmp on disk.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,  # noqa: S108
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "json": {"()": "titanium_common.logging.JsonFormatter", "service": service}
            },
            "handlers": {
                "stdout": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stdout",
                }
            },
            "root": {"level": env_str("LOG_LEVEL", "INFO"), "handlers": ["stdout"]},
            "loggers": {
                "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False}
            },
        },
        "child_exit": child_exit,
    }
