"""python -m api_gateway: serve on HOST:PORT and HOST:INTERNAL_PORT, logs in LOG_FORMAT (one
process; gunicorn for more)."""

import socket

from aiohttp import web

from api_gateway.app import create_app
from api_gateway.settings import SERVICE, load_settings
from titanium_common.logging import configure_logging


def main() -> None:
    # One process, whatever WEB_CONCURRENCY (gunicorn's worker count) says.
    settings = load_settings({"WEB_CONCURRENCY": 1})
    configure_logging(SERVICE, settings.LOG_LEVEL, settings.LOG_FORMAT)
    listeners = [
        socket.create_server((settings.HOST, port))
        for port in (settings.PORT, settings.INTERNAL_PORT)
    ]
    web.run_app(create_app(settings), sock=listeners, access_log=None, print=None)


if __name__ == "__main__":
    main()
