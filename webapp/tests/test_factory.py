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


def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_over_http_the_session_cookie_is_samesite_lax_and_there_is_no_hsts(make_app):
    response = make_app(PUBLIC_URL="http://blog.test").test_client().get("/login")

    cookie = session_cookie(response)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_over_https_the_session_cookie_is_secure_and_hsts_is_sent(make_app):
    client = make_app(PUBLIC_URL="https://blog.test").test_client()
    page = client.get("/login")
    api = client.get("/api/tags")

    assert "Secure" in session_cookie(page) and "SameSite=Lax" in session_cookie(page)
    for response in (page, api):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("public_url", ["blog.test", "ftp://blog.test", "https://"])
def test_a_public_url_that_is_not_http_or_https_stops_the_boot(make_app, public_url):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        make_app(PUBLIC_URL=public_url)


@pytest.mark.parametrize("path", ["/api/tags", "/api/articles/nothing-here", "/healthz"])
def test_json_replies_are_never_sniffed_or_framed(client, path):
    response = client.get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("delete", "/api/tags", {"GET", "HEAD", "OPTIONS"}), ("put", "/login", None)],
)
def test_a_405_says_which_methods_are_allowed(client, method, path, allowed):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    methods = {name.strip() for name in response.headers["Allow"].split(",")}
    assert allowed is None or methods == allowed
    assert "GET" in methods
