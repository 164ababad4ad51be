from titanium_common.gunicorn_conf import gunicorn_settings

globals().update(gunicorn_settings("user_service"))
