"""aiohttp's server logs a request it cannot parse as an ERROR with a traceback (through
gunicorn's error log under gunicorn): on a public port that is anyone's garbage, so it becomes
one warning line naming the client and the problem."""

import logging

from aiohttp.http_exceptions import HttpProcessingError


class MalformedRequestsAsWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            # aiohttp's own arguments are the client's address.
            client = record.args[0] if isinstance(record.args, tuple) and record.args else None
            record.msg, record.args = "malformed request from %s: %s", (client, error.message)
            record.exc_info = record.exc_text = None
        return True


MALFORMED_REQUESTS = MalformedRequestsAsWarnings()


def init() -> None:
    """Idempotent: logging keeps one instance of a filter."""
    for logger in ("aiohttp.server", "gunicorn.error"):
        logging.getLogger(logger).addFilter(MALFORMED_REQUESTS)
