"""python -m api_gateway: serve on HOST:PORT with JSON logs (one process; gunicorn for more)."""

from aiohttp import web

from api_gateway.app import create_app
from api_gateway.settings import SERVICE, load_settings
from titanium_common.logging import configure_logging


def main() -> None:
    # One process, whatever WEB_CONCURRENCY (gunicorn's worker count) says.
    settings = load_settings({"WEB_CONCURRENCY": 1})
    configure_logging(SERVICE, settings.LOG_LEVEL)
    web.run_app(
        create_app(settings), host=settings.HOST, port=settings.PORT, access_log=None, print=None
    )


if __name__ == "__main__":
    main()
