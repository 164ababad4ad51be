import pytest
from openapi_spec_validator import validate

from titanium_common.settings import MissingSetting


def test_health_and_metrics_are_served(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert b"flask_http_request" in client.get("/metrics").data


def test_readiness_checks_the_database_and_reports_redis(client, backend):
    response = client.get("/readyz")

    assert response.status_code == 200
    checks = response.json["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["redis"] == {
        "status": "ok",
        "backend": "redis" if backend.redis_url else "in-process",
    }


def test_openapi_document_is_valid(client):
    validate(client.get("/openapi.json").json)


def test_settings_override_wins(make_app):
    assert make_app(SITE_NAME="Other").config["SITE_NAME"] == "Other"


def test_create_app_refuses_to_start_without_a_secret_key(make_app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)

    with pytest.raises(MissingSetting, match="SECRET_KEY is not set: signs the browser session"):
        make_app(SECRET_KEY="")


def test_the_session_cookie_is_secure_only_when_configured(make_app, monkeypatch):
    assert make_app().config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    assert make_app().config["SESSION_COOKIE_SECURE"] is True
