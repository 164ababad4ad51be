"""Gunicorn settings for auth_service; every value comes from the environment."""

from titanium_common.gunicorn_conf import gunicorn_settings

globals().update(gunicorn_settings("auth_service"))
