"""webapp: the Titanium blog readers and authors use (server-rendered Flask + HTMX)."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from titanium_common.logging import configure_logging
from titanium_common.service import init_service

PACKAGE_DIR = Path(__file__).parent


def create_app(settings_override: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object("webapp.settings")
    app.config.update(settings_override or {})
    configure_logging("webapp", app.config["LOG_LEVEL"])

    # Behind api_gateway (and the Istio ingress): trust one proxy hop for client address and scheme.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    init_service(app, readiness={}, openapi_file=PACKAGE_DIR / "openapi.yaml")

    from webapp.home.views import bp as home_bp

    app.register_blueprint(home_bp)

    @app.context_processor
    def site():
        return {"site_name": app.config["SITE_NAME"]}

    return app
