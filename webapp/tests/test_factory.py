from openapi_spec_validator import validate


def test_health_and_metrics_are_served(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert b"flask_http_request" in client.get("/metrics").data


def test_openapi_document_is_valid(client):
    validate(client.get("/openapi.json").json)


def test_settings_override_wins(app):
    from webapp import create_app

    assert create_app({"SITE_NAME": "Other"}).config["SITE_NAME"] == "Other"
