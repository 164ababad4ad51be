"""Gunicorn settings for webapp; every value comes from the environment."""

from titanium_common.gunicorn_conf import gunicorn_settings

globals().update(gunicorn_settings("webapp"))
