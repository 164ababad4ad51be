"""create_app's settings, wiring, health, readiness and OpenAPI document."""

import pytest
from openapi_spec_validator import validate

from auth_service import create_app
from auth_service.settings import load_settings


def test_missing_signing_keys_dir_stops_the_boot(settings):
    with pytest.raises(RuntimeError, match="SIGNING_KEYS_DIR is not set"):
        create_app({**settings, "SIGNING_KEYS_DIR": ""})


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TITANIUM_POSTGRES_URL", raising=False)
    monkeypatch.setenv("TITANIUM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TITANIUM_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("TOKEN_TTL_SECONDS", "60")
    settings = load_settings()
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/auth_service.db"
    assert settings["REDIS_URL"] == "redis://cache:6379/0"
    assert settings["REDIS_KEY_PREFIX"] == "titanium:auth_service:"
    assert settings["TOKEN_TTL_SECONDS"] == 60


def test_postgres_server_url_gives_the_service_its_own_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TITANIUM_POSTGRES_URL", "postgresql://postgres@db:5432")
    assert (
        load_settings()["DATABASE_URL"]
        == "postgresql+psycopg2://postgres@db:5432/titanium_auth_service"
    )


def test_settings_override_wins(make_app):
    assert make_app(TOKEN_TTL_SECONDS=5).config["TOKEN_TTL_SECONDS"] == 5


def test_health_and_readiness_name_the_backends(client, backend):
    assert client.get("/healthz").json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json["checks"]
    assert checks["database"]["backend"] == (
        "postgresql" if backend.postgres_server_url else "sqlite"
    )
    assert checks["redis"]["backend"] == ("redis" if backend.redis_url else "in-process")


def test_a_dead_redis_is_reported_but_keeps_the_service_ready(make_app):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"]["status"] == "down"


def test_redis_timeout_and_backoff_come_from_the_settings(make_app):
    app = make_app(
        REDIS_URL="redis://127.0.0.1:1/0", REDIS_TIMEOUT_SECONDS=0.1, REDIS_BACKOFF_SECONDS=7
    )
    redis = app.extensions["redis"]
    assert redis.backoff_seconds == 7
    assert redis.client.connection_pool.connection_kwargs["socket_timeout"] == 0.1


def test_openapi_document_is_valid_and_covers_every_route(client, app):
    document = client.get("/openapi.json").json
    validate(document)
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"users", "tokens"}
    }
    assert routes == set(document["paths"])


def test_unknown_path_is_a_json_error(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json == {"errors": {"path": ["not found"]}}


def test_metrics_are_served(client):
    client.get("/healthz")
    assert b"flask_http_request" in client.get("/metrics").data


def test_a_pod_without_a_signing_key_is_not_ready(make_app, tmp_path):
    """Readiness used to say 200 while every sign-up and sign-in failed for want of a key."""
    client = make_app(SIGNING_KEYS_DIR=str(tmp_path / "empty")).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["signing_key"]["status"] == "down"


def test_readiness_names_the_active_signing_key(client, app):
    from auth_service.tokens.keys import key_ring

    with app.app_context():
        kid = key_ring().active().kid
    assert client.get("/readyz").json["checks"]["signing_key"]["backend"] == f"kid {kid}"
