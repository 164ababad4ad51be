"""The skeleton every Flask service is built on: settings, logging, proxy headers, database,
Redis, correlation, access logs, health, metrics and OpenAPI, wired the same way everywhere.

A service's create_app is `create_service_app(...)`, then its own extensions and blueprints.
"""

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from titanium_common import context, inputs
from titanium_common.backends import resolve_database, with_installed_driver
from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.database import (
    back_off_after_refusal,
    check_on_checkout,
    end_sessions_on_lost_connections,
    wait_on_connect,
)
from titanium_common.guarded_redis import GuardedRedis
from titanium_common.identity import CLIENT_ADDRESS_HEADER, USER_ID_HEADER
from titanium_common.logging import configure_logging
from titanium_common.settings import Setting, load

ReadinessCheck = Callable[[], str]
"""Returns a short description of the dependency (e.g. 'postgresql'); raises if it is down."""

access_log = logging.getLogger("titanium.access")
_QUIET_PATHS = {"/healthz", "/readyz", "/metrics"}
_POLLED_MARK = "polled_by_services"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The Flask-SQLAlchemy bind of a service's read replica (DATABASE_REPLICA_URL), when it has one.
REPLICA_BIND = "replica"
REPLICA_CONNECT_TIMEOUT_SECONDS = 2  # libpq's smallest useful value
REPLICA_RETRY_SECONDS = 10.0  # more than the readiness probe's period: one slow probe at most
REDIS_EXTENSION = "redis"
# Every JSON reply: never sniffed as something else, never framed, loads nothing.
JSON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def polled(view):
    """Marks a view other services poll every few seconds (a feed, a key set): its successful
    answers are logged at DEBUG, so a person reading the log sees the requests that matter."""
    setattr(view, _POLLED_MARK, True)
    return view


def _routine(response) -> bool:
    """A probe, a scrape or a successful poll: worth a DEBUG line, not an INFO one."""
    if request.path in _QUIET_PATHS:
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, _POLLED_MARK, False) and response.status_code < 400


def create_service_app(
    import_name: str,
    declared: Sequence[Setting],
    settings_override: Mapping[str, Any] | None,
    *,
    db: SQLAlchemy,
    migrate: Migrate,
    max_body_bytes: int,
    readiness: Mapping[str, ReadinessCheck] | None = None,
) -> Flask:
    """A Flask app for the service package `import_name`, with everything every service shares.

    `readiness` adds the service's own checks to its database and Redis; the OpenAPI document
    is `<package>/openapi.yaml`.
    """
    settings = resolve_database(import_name, load(declared, settings_override))
    configure_logging(import_name, settings["LOG_LEVEL"], settings["LOG_FORMAT"])

    app = Flask(import_name)
    app.config.from_mapping(
        settings,
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_BINDS=_replica_binds(settings.get("DATABASE_REPLICA_URL", "")),
        MAX_CONTENT_LENGTH=max_body_bytes,
        MAX_FORM_MEMORY_SIZE=max_body_bytes,
    )
    # Behind api_gateway (and the Istio ingress): one proxy hop for scheme and host. The client's
    # address is never taken from X-Forwarded-For here: the gateway passes the one its trusted
    # edge saw in CLIENT_ADDRESS_HEADER (context.client_address_var).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1, x_host=1)
    db.init_app(app)
    end_sessions_on_lost_connections(app, db)
    migrate.init_app(app, db)
    with app.app_context():
        for engine in db.engines.values():
            check_on_checkout(engine, settings["DATABASE_PING_IDLE_SECONDS"])
        wait_on_connect(db.engine, settings["DATABASE_RECONNECT_SECONDS"])
        if replica := db.engines.get(REPLICA_BIND):
            # Reads have the primary to go to (webapp.replica): a replica that refuses is
            # left alone for a while, not waited for.
            back_off_after_refusal(replica, REPLICA_RETRY_SECONDS)
    # Redis only ever holds caches and counters: a dead one must cost almost nothing.
    redis = GuardedRedis(
        settings["REDIS_URL"],
        timeout_seconds=settings["REDIS_TIMEOUT_SECONDS"],
        backoff_seconds=settings["REDIS_BACKOFF_SECONDS"],
    )
    app.extensions[REDIS_EXTENSION] = redis

    checks = {
        "database": lambda: _answer_select_one(db.engine),  # the primary, whatever reads use
        **(readiness or {}),
        "redis": redis.readiness,
    }
    optional = ["redis"]
    if REPLICA_BIND in app.config["SQLALCHEMY_BINDS"]:
        # Reads fall back to the primary without it: reported, never a reason to stop serving.
        checks[REPLICA_BIND] = lambda: _answer_select_one(db.engines[REPLICA_BIND])
        optional.append(REPLICA_BIND)
    init_service(
        app,
        readiness=checks,
        openapi_file=Path(app.root_path) / "openapi.yaml",
        optional_checks=optional,
    )
    return app


def _replica_binds(replica_url: str) -> dict[str, dict[str, Any]]:
    """The read replica as a Flask-SQLAlchemy bind (engine only: no model is bound to it)."""
    if not replica_url:
        return {}
    url = with_installed_driver(replica_url)
    if not url.startswith("postgresql+psycopg2://"):
        raise ValueError(f"DATABASE_REPLICA_URL must name a PostgreSQL server, not {url[:20]!r}")
    # libpq's own default waits forever for an unreachable host; reads then use the primary.
    options = {"connect_args": {"connect_timeout": REPLICA_CONNECT_TIMEOUT_SECONDS}}
    return {REPLICA_BIND: {"url": url, **options}}


def _answer_select_one(engine: Engine) -> str:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return engine.dialect.name


def init_service(
    app: Flask,
    *,
    readiness: dict[str, ReadinessCheck],
    openapi_file: Path,
    optional_checks: Collection[str] = ("redis",),
) -> None:
    """Wire the shared endpoints and hooks into a service.

    A failing check in `optional_checks` is reported by /readyz but keeps the service ready:
    Redis is only a cache, so losing it must slow pods down, never take them out of service.
    """
    _init_request_context(app)
    inputs.init_app(app)
    app.register_blueprint(_health_blueprint(readiness, set(optional_checks)))
    app.register_blueprint(_openapi_blueprint(openapi_file))
    _init_metrics(app)


# Statements that change data (or schema): a request that ran one may have changed a page.
_WRITING_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE")


@event.listens_for(Engine, "before_cursor_execute")
def _count_query(_conn, _cursor, statement: str, *_args) -> None:
    # Every statement of every engine in this process counts toward the current request.
    context.db_queries_var.set(context.db_queries_var.get() + 1)
    if statement.lstrip()[:8].upper().startswith(_WRITING_STATEMENTS):
        context.note_change()


def _init_request_context(app: Flask) -> None:
    @app.before_request
    def begin_request():
        g.started = time.perf_counter()
        g.traceparent = context.begin(
            request.headers.get(context.REQUEST_ID_HEADER),
            request.headers.get(context.TRACEPARENT_HEADER),
        )
        context.user_id_var.set(request.headers.get(USER_ID_HEADER))
        context.client_address_var.set(request.headers.get(CLIENT_ADDRESS_HEADER))

    @app.after_request
    def log_request(response):
        response.headers[context.REQUEST_ID_HEADER] = context.request_id_var.get() or ""
        if response.mimetype == "application/json":
            response.headers.update(JSON_HEADERS)
        if (
            request.method not in SAFE_METHODS
            and response.status_code >= 400
            and not context.changed_var.get()
        ):
            # A refused write that changed nothing: the gateway's edge cache keeps its pages
            # (it forgets them after every other write, whatever its answer).
            response.headers[UNCHANGED_HEADER] = "1"
        duration_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.log(
            logging.DEBUG if _routine(response) else logging.INFO,
            "request",
            extra={
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 2),
                "db_queries": context.db_queries_var.get(),
            },
        )
        return response


def _health_blueprint(readiness: dict[str, ReadinessCheck], optional: set[str]) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz():
        checks, ready = {}, True
        for name, check in readiness.items():
            try:
                checks[name] = {"status": "ok", "backend": check()}
            except Exception as error:  # any failure of a dependency counts as down
                ready = ready and name in optional
                checks[name] = {"status": "down", "error": type(error).__name__}
        status = "ready" if ready else "not ready"
        return jsonify(status=status, checks=checks), 200 if ready else 503

    return bp


def _openapi_blueprint(openapi_file: Path) -> Blueprint:
    bp = Blueprint("openapi", __name__)
    document = yaml.safe_load(openapi_file.read_text())

    @bp.get("/openapi.json")
    def openapi():
        return jsonify(document)

    return bp


class _ProcessWideMetrics:
    """Exposes the process-wide default registry (services' own counters, process metrics)."""

    def collect(self):
        yield from REGISTRY.collect()


def _init_metrics(app: Flask) -> None:
    # Under gunicorn with several workers, metrics are aggregated across processes through
    # PROMETHEUS_MULTIPROC_DIR (set by titanium_common.gunicorn_conf). Otherwise the request
    # metrics live in a registry of this app (tests build many apps), which also exposes the
    # default registry where services define their own counters.
    if app.config.get("PROMETHEUS_MULTIPROC_DIR"):
        GunicornInternalPrometheusMetrics(app, group_by="url_rule")
        return
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_ProcessWideMetrics())
    PrometheusMetrics(app, registry=registry, group_by="url_rule")
