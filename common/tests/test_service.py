"""The wiring every Flask service gets from init_service and register_json_errors."""

import pytest
from flask import Flask
from prometheus_client import REGISTRY

from titanium_common.api import ApiError, FieldErrors, read_wrapped_json, register_json_errors
from titanium_common.service import init_service


def _down():
    raise ConnectionError("no answer")


@pytest.fixture
def make_app(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n")

    def make(readiness):
        app = Flask("t")
        init_service(app, readiness=readiness, openapi_file=spec)
        register_json_errors(app)

        @app.post("/echo")
        def echo():
            data = read_wrapped_json("user")
            errors = FieldErrors()
            name = errors.required_text(data, "name")
            bio = errors.optional_text(data, "bio")
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
    import sqlalchemy as sa

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


def test_openapi_and_metrics_are_served(make_app):
    client = make_app({}).test_client()

    assert client.get("/openapi.json").json["openapi"] == "3.1.0"
    client.get("/healthz")
    assert b"flask_http_request_duration_seconds" in client.get("/metrics").data


def test_a_services_own_counters_appear_in_its_metrics(make_app):
    from prometheus_client import Counter

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
