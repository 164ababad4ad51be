"""create_app's settings, wiring, health, readiness and OpenAPI document."""

import pytest
from openapi_spec_validator import validate

from auth_service.tokens.keys import key_ring
from titanium_common.settings import MissingSetting


def test_missing_signing_keys_dir_stops_the_boot(make_app):
    with pytest.raises(MissingSetting, match="SIGNING_KEYS_DIR is not set: folder of Ed25519"):
        make_app(SIGNING_KEYS_DIR="")


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


def test_openapi_document_is_valid_and_covers_every_route(client, app):
    document = client.get("/openapi.json").json
    validate(document)
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"users", "tokens", "recovery"}
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
    with app.app_context():
        kid = key_ring().active().kid
    assert client.get("/readyz").json["checks"]["signing_key"]["backend"] == f"kid {kid}"
