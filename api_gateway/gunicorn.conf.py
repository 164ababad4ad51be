from titanium_common.gunicorn_conf import gunicorn_settings

globals().update(gunicorn_settings("api_gateway", worker_class="aiohttp.GunicornWebWorker"))
