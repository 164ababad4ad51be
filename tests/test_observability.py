"""Correlation and telemetry across processes: request ids, trace ids, JSON logs, metrics."""

import json
import uuid

import requests


def log_entries(stack, process: str) -> list[dict]:
    return [json.loads(line) for line in stack.log(process).splitlines() if line.startswith("{")]


def test_request_id_and_trace_reach_the_upstream_logs(stack, api):
    request_id = uuid.uuid4().hex
    trace_id = uuid.uuid4().hex
    headers = {"X-Request-ID": request_id, "traceparent": f"00-{trace_id}-{'1' * 16}-01"}

    response = api.call(
        "POST", "/users/login", json={"user": {"email": "", "password": ""}}, headers=headers
    )

    assert response.headers["X-Request-ID"] == request_id
    for process in ("api_gateway", "auth_service"):
        matching = [
            entry for entry in log_entries(stack, process) if entry.get("request_id") == request_id
        ]
        assert matching, f"no log line of {process} carries the request id"
        assert all(entry["trace_id"] == trace_id for entry in matching)


def test_every_service_serves_metrics_and_openapi(stack):
    ports = stack.config.ports
    for port in (ports.gateway_internal, ports.webapp, ports.auth_service, ports.user_service):
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 200
        assert (
            requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5)
            .json()["openapi"]
            .startswith("3.")
        )


def test_readiness_shows_the_backends_in_use(stack):
    port = stack.config.ports.auth_service
    checks = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()["checks"]

    expected = "postgresql" if stack.config.postgres_server_url else "sqlite"
    assert expected in checks["database"]["backend"]


def test_the_home_page_is_served_through_the_gateway(stack):
    response = requests.get(stack.url, timeout=5)

    assert response.status_code == 200
    assert "Titanium" in response.text


def test_internal_endpoints_are_not_reachable_through_the_gateway(stack):
    response = requests.get(f"{stack.url}/internal/profiles?username=ada", timeout=5)

    assert response.status_code == 404
