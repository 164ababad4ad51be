"""Gunicorn settings for api_gateway, from its declared settings (read from the environment)."""

from api_gateway.settings import SERVICE, SETTINGS
from titanium_common.gunicorn_conf import gunicorn_settings
from titanium_common.settings import load

INTERNAL = load([setting for setting in SETTINGS if setting.name == "INTERNAL_PORT"])

globals().update(
    gunicorn_settings(
        SERVICE,
        SETTINGS,
        app="api_gateway.runner:gunicorn_runner",
        worker_class="aiohttp.GunicornWebWorker",
        internal_port=INTERNAL.INTERNAL_PORT,
    )
)
