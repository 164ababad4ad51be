"""Logs on stdout, one record per line, with the request's correlation fields.

LOG_FORMAT=json (the default, what containers and clusters ship to a log store): one JSON object
per line. LOG_FORMAT=text (the local stack of `make run`): a short line for a person, an access
line like `12:03:04 webapp        GET /article/x 200 12ms`.
"""

import json
import logging
import sys
from datetime import UTC, datetime

from titanium_common import context

LOG_FORMATS = ("json", "text")

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# Wide enough for every service's name, so messages line up.
_SERVICE_WIDTH = len("auth_service")


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, var in (
            ("request_id", context.request_id_var),
            ("trace_id", context.trace_id_var),
            ("user_id", context.user_id_var),
        ):
            if (value := var.get()) is not None:
                entry[key] = value
        entry.update(_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Local time, the service, then the request (`GET /path 200 12ms`) or the message; a level
    only when it is not INFO, the record's extra fields as `key=value`."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        extras = _extras(record)
        if {"method", "path", "status", "duration_ms"} <= extras.keys():
            text = (
                f"{extras['method']} {extras['path']} {extras['status']} "
                f"{extras['duration_ms']:.0f}ms"
            )
        else:
            text = record.getMessage()
            if record.levelno != logging.INFO:
                text = f"{record.levelname} {text}"
            if extras:
                text += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        time = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{time} {self.service:<{_SERVICE_WIDTH}}  {text}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _extras(record: logging.LogRecord) -> dict:
    return {k: v for k, v in record.__dict__.items() if k not in _RESERVED}


def formatter_class(log_format: str) -> type[logging.Formatter]:
    """The formatter for a LOG_FORMAT value; a clear error for any other."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT={log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    return JsonFormatter if log_format == "json" else TextFormatter


def configure_logging(service: str, level: str = "INFO", log_format: str = "json") -> None:
    """Route every logger (the app's, gunicorn's, libraries') to one stream on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter_class(log_format)(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("gunicorn.error", "gunicorn.access", "aiohttp.access", "werkzeug"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Access lines come from our own request logging, with route and duration.
    logging.getLogger("gunicorn.access").disabled = True
    logging.getLogger("aiohttp.access").disabled = True
    for chatty in ("werkzeug", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
