"""The skeleton every Flask service is built on (create_service_app), and the wiring it gets
from init_service and register_json_errors."""

import pytest
import sqlalchemy as sa
from flask import Flask, request
from prometheus_client import REGISTRY, Counter

from titanium_common import context
from titanium_common.api import ApiError, FieldErrors, read_wrapped_json, register_json_errors
from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.database import database_extensions
from titanium_common.identity import CLIENT_ADDRESS_HEADER
from titanium_common.service import REDIS_EXTENSION, create_service_app, init_service, polled
from titanium_common.settings import (
    REQUIRED,
    MissingSetting,
    Setting,
    database_settings,
    redis_settings,
    server_settings,
)

from .conftest import OPENAPI


def _down():
    raise ConnectionError("no answer")


@pytest.fixture
def make_app(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(OPENAPI)

    def make(readiness):
        app = Flask("t")
        init_service(app, readiness=readiness, openapi_file=spec)
        register_json_errors(app)

        @app.post("/echo")
        def echo():
            data = read_wrapped_json("user")
            errors = FieldErrors()
            name = errors.required_text(data, "name", 20)
            bio = errors.optional_text(data, "bio", 100)
            errors.raise_if_any()
            return {"name": name, "bio": bio}

        @app.get("/teapot")
        def teapot():
            raise ApiError.one(418, "tea", "is hot", {"Retry-After": "5"})

        @app.get("/crash")
        def crash():
            raise RuntimeError("secret detail")

        return app

    return make


def test_health_is_independent_of_dependencies(make_app):
    client = make_app({"database": _down}).test_client()

    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"] == {"status": "down", "error": "ConnectionError"}


def test_a_dead_cache_is_reported_but_keeps_the_service_ready(make_app):
    client = make_app({"database": lambda: "sqlite", "redis": _down}).test_client()

    ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json["checks"]["redis"]["status"] == "down"


def test_readiness_reports_each_backend(make_app):
    client = make_app({"database": lambda: "postgresql", "redis": lambda: "redis"}).test_client()

    ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json["checks"]["database"] == {"status": "ok", "backend": "postgresql"}


def test_json_responses_declare_utf8_and_echo_the_request_id(make_app):
    response = make_app({}).test_client().get("/healthz", headers={"X-Request-ID": "abc"})

    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-Request-ID"] == "abc"


def test_the_access_log_counts_database_queries(make_app, caplog):
    app = make_app({})
    engine = sa.create_engine("sqlite://")

    @app.get("/two-queries")
    def two_queries():
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            conn.execute(sa.text("SELECT 2"))
        return {}

    with caplog.at_level("INFO", logger="titanium.access"):
        app.test_client().get("/two-queries")
        app.test_client().get("/two-queries")

    counts = [record.db_queries for record in caplog.records if record.name == "titanium.access"]
    assert counts == [2, 2]  # counted per request, not accumulated
    engine.dispose()


def test_a_successful_poll_is_not_an_info_line_but_a_failed_one_is(make_app, caplog):
    # The review: the revocation feed, polled every 10 s, scrolled `make run`'s banner away.
    app = make_app({})

    @app.get("/feed")
    @polled
    def feed():
        if request.args.get("since") == "bad":
            raise ApiError.one(422, "since", "is invalid")
        return {"revoked": []}

    @app.get("/page")
    def page():
        return {}

    with caplog.at_level("INFO", logger="titanium.access"):
        app.test_client().get("/feed")
        app.test_client().get("/page")
        app.test_client().get("/feed?since=bad")

    logged = [(r.path, r.status) for r in caplog.records if r.name == "titanium.access"]
    assert logged == [("/page", 200), ("/feed", 422)]


def test_openapi_and_metrics_are_served(make_app):
    client = make_app({}).test_client()

    assert client.get("/openapi.json").json["openapi"] == "3.1.0"
    client.get("/healthz")
    assert b"flask_http_request_duration_seconds" in client.get("/metrics").data


def test_a_services_own_counters_appear_in_its_metrics(make_app):
    counter = Counter("titanium_test_things", "Things counted by a test service.")
    counter.inc(3)
    try:
        metrics = make_app({}).test_client().get("/metrics").data
    finally:
        REGISTRY.unregister(counter)

    assert b"titanium_test_things_total 3.0" in metrics
    assert b"process_resident_memory_bytes" in metrics


@pytest.mark.parametrize(
    ("kwargs", "status", "errors"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 422, {"body": ["is invalid"]}),
        ({"json": {"other": {}}}, 422, {"user": ["can't be blank"]}),
        ({"json": {"user": "x"}}, 422, {"user": ["can't be blank"]}),
        ({"json": {"user": {"name": "  "}}}, 422, {"name": ["can't be blank"]}),
        (
            {"json": {"user": {"name": 5, "bio": 7}}},
            422,
            {"name": ["is invalid"], "bio": ["is invalid"]},
        ),
    ],
)
def test_bad_bodies_get_the_realworld_422(make_app, kwargs, status, errors):
    response = make_app({}).test_client().post("/echo", **kwargs)

    assert response.status_code == status
    assert response.json == {"errors": errors}


NOT_ALLOWED = ["contains characters that are not allowed"]


@pytest.mark.parametrize(
    ("user", "errors"),
    [
        ({"name": "a\x00b"}, {"name": NOT_ALLOWED}),
        ({"name": "lone \ud800"}, {"name": NOT_ALLOWED}),
        ({"name": "ok", "bio": "bell \x07"}, {"bio": NOT_ALLOWED}),
        ({"name": "ok", "bio": "\x7f"}, {"bio": NOT_ALLOWED}),
        ({"name": "ok", "nested": [{"deep": "\udfff"}]}, {"deep": NOT_ALLOWED}),
        ({"name": "ok", "key\x00": 1}, {"user": NOT_ALLOWED}),
        ({"name": "x" * 21}, {"name": ["is too long (maximum is 20 characters)"]}),
        ({"name": "ok", "bio": "x" * 101}, {"bio": ["is too long (maximum is 100 characters)"]}),
    ],
)
def test_refused_characters_and_overlong_fields_are_422(make_app, user, errors):
    response = make_app({}).test_client().post("/echo", json={"user": user})

    assert (response.status_code, response.json) == (422, {"errors": errors})


def test_tabs_newlines_and_any_other_unicode_are_accepted(make_app):
    bio = "line one\r\n\tline two: καλημέρα 👋 \u200b"
    response = make_app({}).test_client().post("/echo", json={"user": {"name": "ada", "bio": bio}})

    assert response.json == {"name": "ada", "bio": bio.strip()}


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_422_not_a_recursion_error(make_app, depth):
    body = '{"user": {"name": "ok", "x": ' + "[" * depth + "]" * depth + "}}"
    response = make_app({}).test_client().post("/echo", data=body, content_type="application/json")

    assert (response.status_code, response.json) == (
        422,
        {"errors": {"body": ["is nested too deeply"]}},
    )


@pytest.mark.parametrize(
    ("path", "headers", "field"),
    [
        ("/teapot%00", {}, "path"),
        ("/teapot?q=%00", {}, "query"),
        ("/teapot?q%01=x", {}, "query"),
        ("/teapot?q=%1b%5b31m", {}, "query"),
        ("/teapot", {"X-Thing": "a\x01b"}, "X-Thing"),
    ],
)
def test_refused_characters_in_path_query_or_headers_are_400(make_app, path, headers, field):
    response = make_app({}).test_client().get(path, headers=headers)

    assert (response.status_code, response.json) == (400, {"errors": {field: NOT_ALLOWED}})


def test_good_body_is_read_and_blank_optional_text_becomes_null(make_app):
    response = make_app({}).test_client().post("/echo", json={"user": {"name": " ada ", "bio": ""}})

    assert response.json == {"name": "ada", "bio": None}


def test_errors_use_the_envelope_and_never_leak_internals(make_app):
    client = make_app({}).test_client()

    teapot = client.get("/teapot")
    assert (teapot.status_code, teapot.json) == (418, {"errors": {"tea": ["is hot"]}})
    assert teapot.headers["Retry-After"] == "5"
    assert client.get("/nowhere").json == {"errors": {"path": ["not found"]}}
    assert client.delete("/echo").json == {"errors": {"method": ["not allowed"]}}
    crash = client.get("/crash")
    assert crash.status_code == 500
    assert crash.json == {"errors": {"server": ["internal error"]}}
    assert b"secret detail" not in crash.data


def test_a_405_names_the_allowed_methods(make_app):
    response = make_app({}).test_client().delete("/echo")

    assert response.status_code == 405
    assert {method.strip() for method in response.headers["Allow"].split(",")} == {
        "POST",
        "OPTIONS",
    }


@pytest.mark.parametrize("path", ["/healthz", "/nowhere", "/teapot", "/openapi.json"])
def test_every_json_reply_is_never_sniffed_or_framed(make_app, path):
    response = make_app({}).test_client().get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )


# --- create_service_app: one skeleton for every Flask service -----------------------------


DECLARED = [
    *server_settings(port=8090),
    *database_settings(),
    *redis_settings("demo_service"),
    Setting("DEMO_SECRET", REQUIRED, "signs demo things", "demo_service"),
]


@pytest.fixture
def make_service(service_package, tmp_path):
    db, migrate = database_extensions(service_package)

    def make(overrides=None, max_body_bytes=16, **kwargs):
        # The embedded backends, whatever the environment running the tests points at.
        settings = {
            "DEMO_SECRET": "k",
            "TITANIUM_POSTGRES_URL": "",
            "TITANIUM_VAR_DIR": str(tmp_path / "var"),
            "REDIS_URL": "",
            **(overrides or {}),
        }
        return create_service_app(
            "demo_service",
            DECLARED,
            settings,
            db=db,
            migrate=migrate,
            max_body_bytes=max_body_bytes,
            **kwargs,
        )

    make.db = db
    return make


def test_a_service_gets_its_own_sqlite_database_and_in_process_redis(make_service, tmp_path):
    app = make_service()

    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'var' / 'demo_service.db'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == app.config["DATABASE_URL"]
    assert app.config["REDIS_KEY_PREFIX"] == "titanium:demo_service:"
    ready = app.test_client().get("/readyz").json
    assert ready["checks"]["database"] == {"status": "ok", "backend": "sqlite"}
    assert ready["checks"]["redis"] == {"status": "ok", "backend": "in-process"}


def test_a_bare_postgresql_url_gets_the_installed_driver(make_service):
    app = make_service({"DATABASE_URL": "postgresql://u@db/demo"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u@db/demo"


def test_a_missing_secret_stops_the_service_naming_the_variable(make_service):
    with pytest.raises(MissingSetting, match="DEMO_SECRET is not set: signs demo things"):
        make_service({"DEMO_SECRET": ""})


def test_the_services_own_readiness_checks_join_the_shared_ones(make_service):
    def queue_down():
        raise ConnectionError("queue down")

    client = make_service(readiness={"queue": queue_down}).test_client()

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert list(ready.json["checks"]) == ["database", "queue", "redis"]
    assert ready.json["checks"]["queue"] == {"status": "down", "error": "ConnectionError"}


def test_the_guarded_redis_is_shared_with_the_services_extensions(make_service):
    app = make_service({"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_BACKOFF_SECONDS": 7})

    assert app.extensions[REDIS_EXTENSION].backoff_seconds == 7
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200  # Redis only holds caches: reported, never unready
    assert ready.json["checks"]["redis"]["status"] == "down"


def test_the_client_address_is_the_gateways_header_and_never_x_forwarded_for(make_service):
    app = make_service()

    @app.get("/whoami")
    def whoami():
        # What a call made while serving this request passes on.
        forwarded = context.outgoing_headers().get(CLIENT_ADDRESS_HEADER)
        return {"forwarded": forwarded, "scheme": request.scheme}

    client = app.test_client()
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    from_gateway = client.get("/whoami", headers={**spoofed, CLIENT_ADDRESS_HEADER: "198.51.100.4"})
    without = client.get("/whoami", headers=spoofed)

    assert from_gateway.json == {"forwarded": "198.51.100.4", "scheme": "https"}
    assert without.json == {"forwarded": None, "scheme": "https"}


def test_a_body_over_the_limit_is_refused(make_service):
    app = make_service()

    @app.post("/upload")
    def upload():
        return {"size": len(request.get_data())}

    client = app.test_client()
    assert client.post("/upload", data=b"x" * 16).json == {"size": 16}
    assert client.post("/upload", data=b"x" * 17).status_code == 413


def test_a_form_may_use_the_whole_body_limit(make_service):
    # Flask's own form limit (500 kB) would refuse a long article the body limit allows.
    app = make_service(max_body_bytes=2 << 20)

    @app.post("/form")
    def form():
        return {"size": len(request.form["body"])}

    response = app.test_client().post("/form", data={"body": "x" * 1_500_000})
    assert response.json == {"size": 1_500_000}


# --- writes and the gateway's edge cache: a refused write that changed nothing says so --------


@pytest.fixture
def writing_service(make_service):
    app = make_service()
    register_json_errors(app)
    db = make_service.db
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS notes (body TEXT)"))
        db.session.commit()

    @app.post("/refuse")
    def refuse():
        raise ApiError.one(422, "body", "is invalid")

    @app.post("/write-then-fail")
    def write_then_fail():
        db.session.execute(sa.text("INSERT INTO notes (body) VALUES ('kept')"))
        db.session.commit()
        raise ApiError.one(503, "upstream", "user_service is unavailable")

    @app.post("/write")
    def write():
        db.session.execute(sa.text("INSERT INTO notes (body) VALUES ('kept')"))
        db.session.commit()
        return {}, 201

    return app.test_client()


def test_a_refused_write_that_changed_nothing_tells_the_gateway(writing_service):
    refused = writing_service.post("/refuse")

    assert refused.status_code == 422
    assert refused.headers[UNCHANGED_HEADER] == "1"


@pytest.mark.parametrize("path", ["/write-then-fail", "/write"])
def test_a_write_that_changed_data_never_says_unchanged(writing_service, path):
    """Issue 10: a write that committed and then failed must still purge the edge cache."""
    response = writing_service.post(path)

    assert UNCHANGED_HEADER not in response.headers


def test_reads_are_never_marked(writing_service):
    assert UNCHANGED_HEADER not in writing_service.get("/nowhere").headers


def test_a_database_that_does_not_answer_is_a_503_to_retry(make_service):
    app = make_service()
    register_json_errors(app)

    @app.get("/lost")
    def lost():
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed"))

    response = app.test_client().get("/lost")

    assert response.status_code == 503
    assert response.json == {"errors": {"database": ["is unavailable, retry"]}}
    assert response.headers["Retry-After"] == "1"
