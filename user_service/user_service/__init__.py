"""user_service: owns profiles (bio, image) and follows; serves /api/profiles and /internal."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from titanium_common.api import register_json_errors
from titanium_common.backends import with_installed_driver
from titanium_common.logging import configure_logging
from titanium_common.service import init_service
from user_service.cache import EXTENSION_KEY, ProfileCache
from user_service.extensions import db, migrate
from user_service.internal.views import bp as internal_bp
from user_service.profiles.views import bp as profiles_bp
from user_service.settings import SERVICE, load_settings

OPENAPI_FILE = Path(__file__).parent / "openapi.yaml"


def create_app(settings_override: Mapping[str, Any] | None = None) -> Flask:
    settings = {**load_settings(), **(settings_override or {})}
    settings["DATABASE_URL"] = with_installed_driver(settings["DATABASE_URL"])
    configure_logging(SERVICE, settings["LOG_LEVEL"])

    app = Flask(__name__)
    app.config.from_mapping(
        settings,
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    db.init_app(app)
    migrate.init_app(app, db)
    cache = ProfileCache.from_settings(settings)
    app.extensions[EXTENSION_KEY] = cache

    init_service(
        app,
        readiness={"database": _database_backend, "redis": cache.ping},
        openapi_file=OPENAPI_FILE,
    )
    register_json_errors(app)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(internal_bp)
    return app


def _database_backend() -> str:
    db.session.execute(sa.text("SELECT 1"))
    return db.engine.dialect.name
