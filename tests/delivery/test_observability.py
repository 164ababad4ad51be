"""Observability in the charts: the rendered PrometheusRule passes `promtool check rules` and the
unit tests `promtool test rules`; SLO alerts are multi-window multi-burn-rate for availability
and latency; every alert carries a runbook_url to an existing docs/runbooks/ page; dashboards
are valid Grafana JSON (RED per service, gateway, SLO) with logs from Loki; ServiceMonitors."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.delivery.conftest import (
    ENVS,
    PLATFORM_CHART,
    ROOT,
    SERVICES,
    apps_values,
    of_kind,
    platform_values,
    rendered_environment,
    rendered_platform,
    run_tool,
)

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
RUNBOOKS = ROOT / "docs" / "runbooks"
RULE_TESTS = PLATFORM_CHART / "rules" / "tests" / "titanium.rules.test.yaml"


def rule_groups(env: str) -> list[dict]:
    (rule,) = of_kind(rendered_platform(env), "PrometheusRule")
    return rule["spec"]["groups"]


def alerts(env: str) -> list[dict]:
    return [r for group in rule_groups(env) for r in group["rules"] if "alert" in r]


def runbook_base(env: str) -> str:
    values = yaml.safe_load((PLATFORM_CHART / "values.yaml").read_text())
    override = platform_values(env).get("monitoring", {})
    return override.get("runbookBaseUrl", values["monitoring"]["runbookBaseUrl"])


@pytest.fixture(scope="module")
def rendered_rules(tmp_path_factory) -> Path:
    """The prod PrometheusRule's groups as a rules file, with the unit tests beside it."""
    directory = tmp_path_factory.mktemp("rules")
    rules = directory / "titanium.rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": rule_groups("prod")}, sort_keys=False))
    tests = RULE_TESTS.read_text().replace("__RUNBOOK_BASE_URL__", runbook_base("prod"))
    (directory / RULE_TESTS.name).write_text(tests)
    return directory


def test_promtool_checks_the_rendered_rules(rendered_rules):
    result = run_tool([PROMTOOL, "check", "rules", str(rendered_rules / "titanium.rules.yaml")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_pass(rendered_rules):
    result = run_tool([PROMTOOL, "test", "rules", RULE_TESTS.name], cwd=rendered_rules)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_unit_tested():
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    assert {a["alert"] for a in alerts("prod")} <= tested


@pytest.mark.parametrize("env", ENVS)
def test_every_alert_has_severity_and_a_runbook_that_exists(env):
    base = runbook_base(env)
    for alert in alerts(env):
        assert alert["labels"]["severity"] in {"page", "ticket"}, alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
        url = alert["annotations"]["runbook_url"]
        assert url.startswith(base + "/"), url
        assert (RUNBOOKS / url.removeprefix(base + "/")).is_file(), url


def test_every_runbook_belongs_to_an_alert():
    linked = {a["annotations"]["runbook_url"].rsplit("/", 1)[1] for a in alerts("prod")}
    pages = {p.name for p in RUNBOOKS.glob("*.md")} - {"README.md"}
    assert pages == linked
    index = (RUNBOOKS / "README.md").read_text()
    for alert in alerts("prod"):
        assert alert["alert"].removesuffix("Fast").removesuffix("Slow") in index


@pytest.mark.parametrize("slo", ["availability", "latency"])
def test_slo_alerts_are_multi_window_multi_burn_rate(slo):
    by_speed = {a["labels"]["severity"]: a for a in alerts("prod") if a["labels"].get("slo") == slo}
    assert set(by_speed) == {"page", "ticket"}
    budget = {"availability": "0.001", "latency": "0.01"}[slo]
    windows = {"page": {"1h", "5m", "6h", "30m"}, "ticket": {"1d", "2h", "3d", "6h"}}
    factors = {"page": {"14.4", "6"}, "ticket": {"3"}}
    for severity, alert in by_speed.items():
        expr = alert["expr"]
        assert set(re.findall(r"ratio_rate(\w+)", expr)) == windows[severity], expr
        # Two burn rates (or), each over a long and a short window (and).
        assert expr.count(" and ") == 2 and re.search(r"\bor\b", expr), expr
        assert budget in expr
        for factor in factors[severity]:
            assert f"{factor} * {budget}" in expr
    recorded = {r.get("record") for g in rule_groups("prod") for r in g["rules"]}
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"):
        kind = "errors" if slo == "availability" else "slow"
        assert f"titanium:http_request_{kind}:ratio_rate{window}" in recorded


@pytest.mark.parametrize("env", ENVS)
def test_dashboards_red_per_service_gateway_and_slo(env):
    maps = [
        m
        for m in of_kind(rendered_platform(env), "ConfigMap")
        if m["metadata"]["labels"].get("grafana_dashboard") == "1"
    ]
    dashboards = {}
    for config_map in maps:
        for key, text in config_map["data"].items():
            assert key.endswith(".json")
            dashboard = json.loads(text)
            assert dashboard["uid"] not in dashboards, "dashboard uids are unique"
            dashboards[dashboard["uid"]] = dashboard
    expected = {f"titanium-red-{s}" for s in SERVICES} | {"titanium-gateway", "titanium-slo"}
    assert set(dashboards) == expected
    for uid, dashboard in dashboards.items():
        text = json.dumps(dashboard)
        assert "__" not in text.replace("__name__", ""), f"{uid}: a placeholder was left"
        assert f'namespace=\\"titanium-{env}\\"' in text
        for panel in dashboard["panels"]:
            assert panel["targets"] and all(t["expr"] for t in panel["targets"])
    for service in SERVICES:
        panels = dashboards[f"titanium-red-{service}"]["panels"]
        titles = " ".join(p["title"] for p in panels)
        assert "Rate" in titles and "Errors" in titles and "Duration" in titles
        logs = [p for p in panels if p["type"] == "logs"]
        assert logs and logs[0]["datasource"] == "Loki", "error logs come from Loki"


@pytest.mark.parametrize("env", ENVS)
def test_every_service_port_is_scraped(env):
    objects = rendered_environment(env)
    monitors = {m["metadata"]["name"] for m in of_kind(objects, "ServiceMonitor")}
    assert monitors == {*SERVICES, "auth-service-outbox-relay"}
    for monitor in of_kind(objects, "ServiceMonitor"):
        for endpoint in monitor["spec"]["endpoints"]:
            assert endpoint["scheme"] == "https", "scraped over Istio mTLS"
            assert endpoint["tlsConfig"]["certFile"].startswith("/etc/prom-certs/")


# Istio's workload certificate files, as OUTPUT_CERTS writes them.
ISTIO_CERT_FILES = {"root-cert.pem", "cert-chain.pem", "key.pem"}


@pytest.mark.parametrize("env", ENVS)
def test_prometheus_mounts_the_istio_certificates_the_service_monitors_use(env):
    """Istio's recipe (ops/integrations/prometheus, TLS settings): a sidecar that intercepts
    nothing writes its certificates into a shared in-memory volume, which Prometheus mounts
    read-only where every ServiceMonitor's tlsConfig reads them."""
    stack = apps_values(env)["platform"]["kube-prometheus-stack"]
    assert stack["enabled"]
    spec = stack["values"]["prometheus"]["prometheusSpec"]
    assert spec["podMetadata"]["labels"]["sidecar.istio.io/inject"] == "true"
    annotations = spec["podMetadata"]["annotations"]
    assert annotations["traffic.sidecar.istio.io/includeInboundPorts"] == ""
    assert annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"] == ""
    proxy_config = yaml.safe_load(annotations["proxy.istio.io/config"])
    output_certs = proxy_config["proxyMetadata"]["OUTPUT_CERTS"]
    (sidecar_mount,) = json.loads(annotations["sidecar.istio.io/userVolumeMount"])
    assert sidecar_mount["mountPath"].rstrip("/") == output_certs.rstrip("/")
    volume = sidecar_mount["name"]
    assert {"name": volume, "emptyDir": {"medium": "Memory"}} in spec["volumes"]
    (mount,) = [m for m in spec["volumeMounts"] if m["name"] == volume]
    assert mount["readOnly"] is True
    cert_dir = mount["mountPath"].rstrip("/")
    monitors = of_kind(rendered_environment(env), "ServiceMonitor")
    assert monitors
    for monitor in monitors:
        for endpoint in monitor["spec"]["endpoints"]:
            files = [endpoint["tlsConfig"][k] for k in ("caFile", "certFile", "keyFile")]
            for path in files:
                directory, _, file = path.rpartition("/")
                assert directory == cert_dir and file in ISTIO_CERT_FILES, (
                    f"{monitor['metadata']['name']}: {path} is not an Istio certificate in the "
                    f"directory Prometheus mounts ({cert_dir})"
                )
