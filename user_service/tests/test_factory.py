"""create_app's wiring and settings: health, readiness, OpenAPI, metrics, configuration."""

from pathlib import Path

import yaml
from openapi_spec_validator import validate

import user_service

OPENAPI_FILE = Path(user_service.__file__).with_name("openapi.yaml")


def test_healthz_answers_without_dependencies(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_names_the_backends_in_use(client, backend):
    checks = client.get("/readyz").get_json()["checks"]

    expected_database = "postgresql" if backend.postgres_server_url else "sqlite"
    assert checks["database"] == {"status": "ok", "backend": expected_database}
    assert checks["redis"] == {
        "status": "ok",
        "backend": "redis" if backend.redis_url else "in-process",
    }


def test_openapi_document_is_valid_and_served(client, app):
    document = yaml.safe_load(OPENAPI_FILE.read_text())

    validate(document)
    assert client.get("/openapi.json").get_json() == document


def test_openapi_documents_every_json_route(app):
    documented = set(yaml.safe_load(OPENAPI_FILE.read_text())["paths"])
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/internal/"))
    }

    assert routes <= documented


def test_metrics_are_exported(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert "flask_http_request" in response.get_data(as_text=True)


def test_unknown_route_is_a_json_404(client):
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.get_json() == {"errors": {"path": ["not found"]}}


def test_settings_override_wins_and_declared_defaults_fill_the_rest(make_app, database_url):
    settings = make_app(REDIS_URL="", PROFILE_CACHE_TTL_SECONDS=5).config

    assert settings["DATABASE_URL"] == database_url
    assert settings["REDIS_URL"] == ""
    assert settings["PROFILE_CACHE_TTL_SECONDS"] == 5
    assert settings["LOCAL_CACHE_MAX_ENTRIES"] == 10_000
