"""JSON logs: one object per line on stdout, with the request's correlation fields."""

import json
import logging
import sys
from datetime import UTC, datetime

from titanium_common import context

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


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
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger (the app's, gunicorn's, libraries') to one JSON stream on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
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
