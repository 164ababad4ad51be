"""Gunicorn settings for auth_service, from its declared settings (read from the environment)."""

from auth_service.settings import SERVICE, SETTINGS
from titanium_common.gunicorn_conf import gunicorn_settings

globals().update(gunicorn_settings(SERVICE, SETTINGS))
