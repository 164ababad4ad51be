"""auth_service: accounts, passwords, access tokens and the JWKS that verifies them."""

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from auth_service import passwords, throttle
from auth_service.extensions import db, migrate
from auth_service.outbox import cli as outbox_cli
from auth_service.settings import SERVICE, load_settings
from auth_service.tokens import cli as keys_cli
from auth_service.tokens import keys
from auth_service.tokens.views import bp as tokens_bp
from auth_service.users import cli as users_cli
from auth_service.users.views import bp as users_bp
from titanium_common.api import register_json_errors
from titanium_common.backends import with_installed_driver
from titanium_common.guarded_redis import GuardedRedis
from titanium_common.logging import configure_logging
from titanium_common.service import init_service

PACKAGE_DIR = Path(__file__).parent
MAX_BODY_BYTES = 64 * 1024  # a user payload is a few hundred bytes


def create_app(settings_override: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(load_settings())
    app.config.update(settings_override or {})
    configure_logging(SERVICE, app.config["LOG_LEVEL"])
    _init_extensions(app)

    # Behind api_gateway: trust one proxy hop for the client address (login throttling).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    init_service(
        app,
        readiness={
            "database": _database_readiness,
            # Without a key nobody can sign up or sign in: such a pod must not take traffic.
            "signing_key": _signing_key_readiness,
            "redis": app.extensions["redis"].readiness,
        },
        openapi_file=PACKAGE_DIR / "openapi.yaml",
    )
    register_json_errors(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = with_installed_driver(app.config["DATABASE_URL"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    db.init_app(app)
    migrate.init_app(app, db)
    keys.init_app(app)
    passwords.init_app(app)
    _init_redis(app)
    throttle.init_app(app)


def _init_redis(app: Flask) -> None:
    # Only login-throttle counters live in Redis: a dead one must cost almost nothing.
    app.extensions["redis"] = GuardedRedis(
        app.config["REDIS_URL"],
        timeout_seconds=app.config["REDIS_TIMEOUT_SECONDS"],
        backoff_seconds=app.config["REDIS_BACKOFF_SECONDS"],
    )


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(users_bp)
    app.register_blueprint(tokens_bp)


def _register_cli(app: Flask) -> None:
    keys_cli.init_app(app)
    outbox_cli.init_app(app)
    users_cli.init_app(app)


def _signing_key_readiness() -> str:
    return f"kid {keys.key_ring().active().kid}"


def _database_readiness() -> str:
    db.session.execute(sa.text("SELECT 1"))
    return db.engine.dialect.name
