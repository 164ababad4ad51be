"""Gunicorn settings for webapp, from its declared settings (read from the environment)."""

from titanium_common.gunicorn_conf import gunicorn_settings
from webapp.settings import SERVICE, SETTINGS

globals().update(gunicorn_settings(SERVICE, SETTINGS))
