"""user_service: owns profiles (bio, image) and follows; serves /api/profiles and /internal."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from titanium_common.api import register_json_errors
from titanium_common.service import create_service_app
from user_service import cache
from user_service.extensions import db, migrate
from user_service.internal.views import bp as internal_bp
from user_service.profiles.views import bp as profiles_bp
from user_service.settings import SETTINGS

MAX_BODY_BYTES = 64 * 1024  # a profile payload is a few hundred bytes


def create_app(settings_override: Mapping[str, Any] | None = None) -> Flask:
    app = create_service_app(
        __name__,
        SETTINGS,
        settings_override,
        db=db,
        migrate=migrate,
        max_body_bytes=MAX_BODY_BYTES,
    )
    cache.init_app(app)
    register_json_errors(app)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(internal_bp)
    return app
