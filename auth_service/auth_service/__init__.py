"""auth_service: accounts, passwords, access tokens and the JWKS that verifies them."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from auth_service import passwords, throttle
from auth_service.extensions import db, migrate
from auth_service.outbox import cli as outbox_cli
from auth_service.settings import SETTINGS
from auth_service.tokens import cli as keys_cli
from auth_service.tokens import keys
from auth_service.tokens.views import bp as tokens_bp
from auth_service.users import cli as users_cli
from auth_service.users.recovery import bp as recovery_bp
from auth_service.users.views import bp as users_bp
from titanium_common.api import register_json_errors
from titanium_common.service import create_service_app

MAX_BODY_BYTES = 64 * 1024  # a user payload is a few hundred bytes


def create_app(settings_override: Mapping[str, Any] | None = None) -> Flask:
    app = create_service_app(
        __name__,
        SETTINGS,
        settings_override,
        db=db,
        migrate=migrate,
        max_body_bytes=MAX_BODY_BYTES,
        # Without a key nobody can sign up or sign in: such a pod must not take traffic.
        readiness={"signing_key": _signing_key_readiness},
    )
    keys.init_app(app)
    passwords.init_app(app)
    throttle.init_app(app)
    register_json_errors(app)
    app.register_blueprint(users_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(recovery_bp)
    keys_cli.init_app(app)
    outbox_cli.init_app(app)
    users_cli.init_app(app)
    return app


def _signing_key_readiness() -> str:
    return f"kid {keys.key_ring().active().kid}"
