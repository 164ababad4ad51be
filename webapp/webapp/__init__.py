"""webapp: the Titanium blog readers and authors use (server-rendered Flask + HTMX), and the
articles, comments, favorites and tags API."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from titanium_common.guarded_redis import GuardedRedis
from titanium_common.logging import configure_logging
from titanium_common.service import init_service
from webapp import api, errors, pages
from webapp.extensions import db, migrate
from webapp.profiles import client as profiles_client
from webapp.seed import cli as seed_cli
from webapp.settings import SERVICE, load_settings

PACKAGE_DIR = Path(__file__).parent


def create_app(settings_override: Mapping[str, Any] | None = None) -> Flask:
    settings = load_settings(settings_override)
    configure_logging(SERVICE, settings["LOG_LEVEL"])

    app = Flask(__name__)
    app.config.from_mapping(
        settings,
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    # Behind api_gateway (and the Istio ingress): trust one proxy hop for client address and scheme.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    db.init_app(app)
    migrate.init_app(app, db)
    profiles_client.init_app(app)

    init_service(
        app,
        # Redis is reported but optional: webapp keeps nothing there (the page cache is the
        # gateway's), so a dead Redis never makes it unready.
        readiness={"database": _database_backend, "redis": _redis(settings).readiness},
        openapi_file=PACKAGE_DIR / "openapi.yaml",
    )
    errors.init_app(app)
    api.init_app(app)
    seed_cli.init_app(app)
    pages.init_app(app)
    return app


def _database_backend() -> str:
    db.session.execute(sa.text("SELECT 1"))
    return db.engine.dialect.name


def _redis(settings: Mapping[str, Any]) -> GuardedRedis:
    return GuardedRedis(
        settings["REDIS_URL"],
        timeout_seconds=settings["REDIS_TIMEOUT_SECONDS"],
        backoff_seconds=settings["REDIS_BACKOFF_SECONDS"],
    )
