"""create_app's wiring and settings: health, readiness, OpenAPI, metrics, configuration."""

import pytest
import yaml
from openapi_spec_validator import validate

from user_service import OPENAPI_FILE
from user_service.settings import load_settings


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


def test_settings_override_wins_and_defaults_fill_the_rest(make_app, database_url):
    settings = make_app(REDIS_URL="", EXTRA=1).config

    assert settings["DATABASE_URL"] == database_url
    assert settings["REDIS_URL"] == ""
    assert settings["EXTRA"] == 1
    assert settings["PROFILE_CACHE_TTL_SECONDS"] == 300
    assert settings["REDIS_KEY_PREFIX"] == "titanium:user_service:"


def test_an_overridden_bare_postgresql_url_gets_the_installed_driver(make_app, database_url):
    if not database_url.startswith("postgresql+psycopg2://"):
        pytest.skip("needs PostgreSQL (TITANIUM_POSTGRES_URL)")
    bare = database_url.replace("postgresql+psycopg2://", "postgresql://", 1)

    assert make_app(DATABASE_URL=bare, REDIS_URL="").config["DATABASE_URL"] == database_url


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TITANIUM_POSTGRES_URL", "")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TITANIUM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TITANIUM_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("PROFILE_CACHE_TTL_SECONDS", "60")

    settings = load_settings()

    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'user_service.db'}"
    assert settings["REDIS_URL"] == "redis://cache:6379/0"
    assert settings["PROFILE_CACHE_TTL_SECONDS"] == 60


def test_a_server_url_gets_this_service_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TITANIUM_POSTGRES_URL", "postgresql://pg:5432")

    settings = load_settings()

    assert settings["DATABASE_URL"] == "postgresql+psycopg2://pg:5432/titanium_user_service"
