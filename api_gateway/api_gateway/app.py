"""create_app(): wiring only. Gunicorn entry point: "api_gateway.app:create_app()"."""

from pathlib import Path

import yaml
from aiohttp import web

from api_gateway import cors, middlewares, server_log
from api_gateway.keys import metrics_key, openapi_document_key, settings_key, upstream_urls_key
from api_gateway.metrics import GatewayMetrics
from api_gateway.revocations import revocation_feed
from api_gateway.routes import setup_routes
from api_gateway.settings import load_settings, upstream_urls
from api_gateway.upstreams import counters_and_pages, upstream_session
from titanium_common.settings import Settings

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or load_settings()
    server_log.init()
    app = web.Application(
        middlewares=[
            middlewares.correlation_middleware(),
            middlewares.access_log_middleware(),
            middlewares.metrics_middleware(),
            middlewares.error_middleware(),
            middlewares.surface_middleware(settings.INTERNAL_PORT),
            middlewares.input_middleware(),
            cors.cors_middleware(settings),
        ]
    )
    app[settings_key] = settings
    app[upstream_urls_key] = upstream_urls(settings)
    app[metrics_key] = GatewayMetrics(settings.PROMETHEUS_MULTIPROC_DIR)
    app[openapi_document_key] = yaml.safe_load(OPENAPI_FILE.read_text())
    app.on_response_prepare.append(middlewares.add_request_id)
    app.on_response_prepare.append(middlewares.add_cache_result)
    app.on_response_prepare.append(middlewares.add_json_headers)
    app.on_response_prepare.append(cors.add_cors_headers)
    app.cleanup_ctx.append(upstream_session)
    app.cleanup_ctx.append(revocation_feed)
    app.cleanup_ctx.append(counters_and_pages)
    setup_routes(app)
    return app
