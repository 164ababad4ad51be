"""Policy on the rendered manifests: every workload has probes, requests and limits, runs as
non-root on a read-only root filesystem without privilege escalation, and is covered by a PDB,
default-deny and allow NetworkPolicies, an AuthorizationPolicy by principal and a
ServiceMonitor. Proven on prod (the acceptance test) and on every other environment; plus the
namespace-level mesh policy: mTLS STRICT, deny-all, JWT rules against auth-service's JWKS."""

import ipaddress
from urllib.parse import urlsplit

import hcl2
import pytest

from tests.delivery.conftest import (
    AWS_TFVARS,
    DATABASE_SERVICES,
    ENVS,
    SERVICES,
    apps_values,
    name_of,
    namespace,
    of_kind,
    platform_values,
    pod_template,
    rendered_environment,
    rendered_platform,
    rendered_service,
    selects,
    service_values,
)
from titanium_common.identity import JWKS_PATH

LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")


def workloads(objects):
    return [obj for obj in objects if obj["kind"] in LONG_RUNNING]


def pods_of_every_kind(objects):
    """Long-running workloads, hook Jobs and test Pods: everything that starts a container."""
    return [obj for obj in objects if obj["kind"] in (*LONG_RUNNING, "Job", "CronJob", "Pod")]


def pod_labels(workload):
    return pod_template(workload)["metadata"]["labels"]


def policy_violations(objects):
    """Every broken rule on the rendered objects, as readable strings (empty = compliant)."""
    problems = []
    services = of_kind(objects, "Service")
    for obj in pods_of_every_kind(objects):
        spec = pod_template(obj)["spec"]
        pod_security = spec.get("securityContext", {})
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name_of(obj)}: mounts an API token")
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{name_of(obj)}/{container['name']}"
            security = container.get("securityContext", {})
            non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
            user = security.get("runAsUser", pod_security.get("runAsUser"))
            if non_root is not True or not user:
                problems.append(f"{where}: not a numeric non-root user")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root filesystem is writable")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: privilege escalation allowed")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities not dropped")
            if security.get("privileged"):
                problems.append(f"{where}: privileged")
            seccomp = security.get("seccompProfile", pod_security.get("seccompProfile", {}))
            if seccomp.get("type") != "RuntimeDefault":
                problems.append(f"{where}: no RuntimeDefault seccomp profile")
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources.get(bound, {})):
                    problems.append(f"{where}: {bound} for cpu and memory missing")
            if obj["kind"] in LONG_RUNNING:
                for probe in ("livenessProbe", "readinessProbe"):
                    if probe not in container:
                        problems.append(f"{where}: {probe} missing")
    for obj in workloads(objects):
        labels = pod_labels(obj)

        def selected(kind, path=("spec", "selector", "matchLabels"), labels=labels):
            return [p for p in of_kind(objects, kind) if selects(_get(p, path), labels)]

        if not selected("PodDisruptionBudget"):
            problems.append(f"{name_of(obj)}: no PodDisruptionBudget")
        network = selected("NetworkPolicy", ("spec", "podSelector", "matchLabels"))
        if not any(
            {"Ingress", "Egress"} <= set(p["spec"]["policyTypes"]) and not p["spec"].get("ingress")
            for p in network
        ):
            problems.append(f"{name_of(obj)}: no default-deny NetworkPolicy")
        if not any(p["spec"].get("ingress") for p in network):
            problems.append(f"{name_of(obj)}: no NetworkPolicy allows any caller")
        authz = selected("AuthorizationPolicy")
        if not authz:
            problems.append(f"{name_of(obj)}: no AuthorizationPolicy")
        for policy in authz:
            for rule in policy["spec"].get("rules", []):
                for source in rule.get("from", []):
                    if not source["source"].get("principals"):
                        problems.append(f"{name_of(policy)}: a rule not by principal")
        exposing = [s for s in services if selects(s["spec"]["selector"], labels)]
        monitored = [
            monitor
            for monitor in of_kind(objects, "ServiceMonitor")
            for service in exposing
            if selects(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
        ]
        if not monitored:
            problems.append(f"{name_of(obj)}: no ServiceMonitor scrapes it")
    return problems


def named(obj, name):
    return obj["metadata"]["name"] == name


def _get(obj, path):
    for key in path:
        obj = obj.get(key, {}) if isinstance(obj, dict) else {}
    return obj


def test_prod_every_workload_meets_the_policy():
    """The acceptance test: the prod render of every chart, every workload."""
    objects = rendered_environment("prod")
    names = {obj["metadata"]["name"] for obj in workloads(objects)}
    assert names == {*SERVICES, "auth-service-outbox-relay"}
    assert policy_violations(objects) == []


@pytest.mark.parametrize("env", [env for env in ENVS if env != "prod"])
def test_every_other_environment_meets_the_policy(env):
    assert policy_violations(rendered_environment(env)) == []


def test_the_policy_check_sees_a_missing_probe():
    """The checker itself: a workload without a readiness probe is reported."""
    objects = rendered_environment("prod")
    deployment = next(d for d in workloads(objects) if d["metadata"]["name"] == "webapp")
    del deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert policy_violations(objects) == ["Deployment/webapp/webapp: readinessProbe missing"]


@pytest.mark.parametrize("env", ENVS)
def test_every_principal_and_caller_exists(env):
    """Allow rules name real identities: a ServiceAccount of the namespace or a known outsider."""
    objects = rendered_environment(env)
    accounts = {sa["metadata"]["name"] for sa in of_kind(objects, "ServiceAccount")}
    outsiders = {
        "cluster.local/ns/istio-ingress/sa/istio-ingressgateway",
        "cluster.local/ns/monitoring/sa/kube-prometheus-stack-prometheus",
    }
    for policy in of_kind(objects, "AuthorizationPolicy"):
        for rule in policy["spec"].get("rules", []):
            for source in rule["from"]:
                for principal in source["source"]["principals"]:
                    own = principal.rpartition("/sa/")
                    if principal not in outsiders:
                        assert own[0] == f"cluster.local/ns/{namespace(env)}", principal
                        assert own[2] in accounts, principal
    all_pod_labels = [pod_labels(w) for w in workloads(objects)]
    for policy in of_kind(objects, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule["from"]:
                if "namespaceSelector" not in peer and "podSelector" in peer:
                    wanted = peer["podSelector"]["matchLabels"]
                    if "cnpg.io/cluster" not in wanted:
                        assert any(selects(wanted, labels) for labels in all_pod_labels), wanted


def test_callers_follow_the_design():
    """ingress → api-gateway → webapp/auth/user, webapp → auth/user, and auth-service (the
    request's first attempt) and its relay → user and webapp, on their internal upserts only."""
    objects = rendered_environment("prod")
    allowed = {}
    for policy in of_kind(objects, "AuthorizationPolicy"):
        target = policy["spec"].get("selector", {}).get("matchLabels", {})
        for rule in policy["spec"].get("rules", []):
            for source in rule["from"]:
                for principal in source["source"]["principals"]:
                    caller = principal.rpartition("/sa/")[2]
                    if caller != "kube-prometheus-stack-prometheus":
                        allowed.setdefault(target.get("app.kubernetes.io/name"), set()).add(caller)
    assert allowed == {
        "api-gateway": {"istio-ingressgateway"},
        "webapp": {"api-gateway", "auth-service", "auth-service-outbox-relay"},
        "auth-service": {"api-gateway", "webapp"},
        "user-service": {"api-gateway", "webapp", "auth-service", "auth-service-outbox-relay"},
    }


def test_auth_service_reaches_only_the_internal_upserts_of_the_services_it_delivers_to():
    """The outbox's receivers admit auth-service on their upsert route and nothing else, and
    its egress lets the deliveries out."""
    objects = rendered_environment("prod")
    paths = {}
    for policy in of_kind(objects, "AuthorizationPolicy"):
        target = policy["spec"].get("selector", {}).get("matchLabels", {})
        for rule in policy["spec"].get("rules", []):
            principals = [p for source in rule["from"] for p in source["source"]["principals"]]
            if any(p.rpartition("/sa/")[2].startswith("auth-service") for p in principals):
                operations = [op["operation"] for op in rule["to"]]
                paths.setdefault(target.get("app.kubernetes.io/name"), set()).update(
                    path for op in operations for path in op.get("paths", ["<any>"])
                )
    assert paths == {"user-service": {"/internal/profiles/*"}, "webapp": {"/internal/authors/*"}}
    egress = egress_rules("auth-service", "prod")
    for service, port in (("user-service", 8083), ("webapp", 8081)):
        assert reaches(
            egress,
            port,
            lambda peer, name=service: (
                peer.get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/name": name}
            ),
        ), service


@pytest.mark.parametrize("env", ENVS)
def test_namespace_mesh_policy(env):
    objects = rendered_platform(env)
    (peer,) = of_kind(objects, "PeerAuthentication")
    assert peer["spec"] == {"mtls": {"mode": "STRICT"}} and "selector" not in peer["spec"]
    deny_all = [p for p in of_kind(objects, "AuthorizationPolicy") if p["spec"] == {}]
    assert len(deny_all) == 1, "one ALLOW-nothing policy denies the whole namespace"
    (jwt,) = of_kind(objects, "RequestAuthentication")
    (rule,) = jwt["spec"]["jwtRules"]
    assert rule["issuer"] == "titanium-auth" and rule["audiences"] == ["titanium"]
    assert rule["jwksUri"].endswith("/.well-known/jwks.json")
    assert {h["prefix"] for h in rule["fromHeaders"]} == {"Token ", "Bearer "}
    assert jwt["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "api-gateway"}


@pytest.mark.parametrize("env", ENVS)
def test_mesh_traffic_policy(env):
    objects = rendered_environment(env)
    for service in SERVICES:
        (rule,) = [d for d in of_kind(objects, "DestinationRule") if named(d, service)]
        policy = rule["spec"]["trafficPolicy"]
        assert policy["tls"]["mode"] == "ISTIO_MUTUAL"
        assert policy["connectionPool"]["tcp"]["maxConnections"] > 0
        assert policy["outlierDetection"]["consecutive5xxErrors"] > 0
        (route,) = [v for v in of_kind(objects, "VirtualService") if named(v, service)]
        for http in route["spec"]["http"]:
            assert http["timeout"] and http["retries"]["attempts"] >= 1
            assert "5xx" not in http["retries"]["retryOn"], "POSTs must not be retried on 5xx"
    public = [v for v in of_kind(objects, "VirtualService") if v["spec"]["gateways"] != ["mesh"]]
    assert [v["metadata"]["name"] for v in public] == ["api-gateway-ingress"]
    (gateway,) = of_kind(objects, "Gateway")
    assert public[0]["spec"]["gateways"] == [gateway["metadata"]["name"]]
    assert public[0]["spec"]["hosts"] == gateway["spec"]["servers"][0]["hosts"]


# --- backends: every NetworkPolicy reaches wherever the environment's Redis and PostgreSQL are --

REDIS_PORT = 6379
POSTGRES_PORT = 5432
# Pod labels of the bitnami redis chart (release `redis`).
REDIS_POD_LABELS = {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis"}


def aws_tfvars() -> dict:
    """The AWS environment's tfvars (python-hcl2 keeps string quotes; they are dropped here)."""
    values = hcl2.loads(AWS_TFVARS.read_text())
    return {k: v.strip('"') if isinstance(v, str) else v for k, v in values.items()}


def egress_rules(service: str, env: str) -> list[dict]:
    return [
        rule
        for policy in of_kind(rendered_service(service, env), "NetworkPolicy")
        if "Egress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("egress", [])
    ]


def allows_port(rule: dict, port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(
        p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports
    )


def peer_in_namespace(peer: dict, namespace_name: str, pod_labels: dict) -> bool:
    ns_selector = peer.get("namespaceSelector")
    if ns_selector is None:
        return False  # the policy's own namespace
    ns_labels = {"kubernetes.io/metadata.name": namespace_name}
    return selects(ns_selector.get("matchLabels"), ns_labels) and selects(
        (peer.get("podSelector") or {}).get("matchLabels"), pod_labels
    )


def peer_covers_cidr(peer: dict, cidr: str) -> bool:
    block = peer.get("ipBlock")
    return (
        bool(block)
        and not block.get("except")
        and ipaddress.ip_network(cidr).subnet_of(ipaddress.ip_network(block["cidr"]))
    )


def reaches(rules: list[dict], port: int, peer_matches) -> bool:
    return any(allows_port(r, port) and any(map(peer_matches, r.get("to", []))) for r in rules)


def redis_peer(env: str):
    """Where the environment's Redis is: the in-cluster add-on, or ElastiCache in the AWS VPC."""
    redis = apps_values(env)["platform"]["redis"]
    if redis["enabled"]:
        return lambda peer: peer_in_namespace(peer, redis["namespace"], REDIS_POD_LABELS)
    return lambda peer: peer_covers_cidr(peer, aws_tfvars()["vpc_cidr"])


def uses_redis(service: str, env: str) -> bool:
    return any(e["name"] == "REDIS_URL" for e in service_values(service, env).get("secretEnv", []))


@pytest.mark.parametrize("env", ENVS)
def test_every_service_using_redis_reaches_the_environments_redis(env):
    users = [service for service in SERVICES if uses_redis(service, env)]
    assert users, "the services keep sessions, rate limits and caches in Redis"
    peer = redis_peer(env)
    unreachable = [s for s in users if not reaches(egress_rules(s, env), REDIS_PORT, peer)]
    assert not unreachable, f"{env}: no egress to this environment's Redis from {unreachable}"


def test_prod_uses_elasticache_and_rds_as_deploy_md_says():
    """docs/deploy.md: the AWS environment (prod) runs on ElastiCache and RDS, so neither the
    in-cluster Redis add-on nor CloudNativePG clusters exist there, and the services' egress goes
    to the VPC, not to in-cluster backends."""
    env = aws_tfvars()["environment"]
    assert env == "prod"
    assert apps_values(env)["platform"]["redis"]["enabled"] is False, "ElastiCache, not in-cluster"
    assert platform_values(env)["postgres"]["mode"] == "external", "RDS, not CloudNativePG"
    assert not of_kind(rendered_platform(env), "Cluster")
    vpc = aws_tfvars()["vpc_cidr"]
    for service in DATABASE_SERVICES:
        rules = egress_rules(service, env)
        assert reaches(rules, POSTGRES_PORT, lambda peer: peer_covers_cidr(peer, vpc)), service
        peers = [peer for rule in rules for peer in rule.get("to", [])]
        assert not any("cnpg.io/cluster" in str(peer) for peer in peers), service
    for service in SERVICES:
        peers = [peer for rule in egress_rules(service, env) for peer in rule.get("to", [])]
        in_cluster_redis = [p for p in peers if peer_in_namespace(p, "redis", REDIS_POD_LABELS)]
        assert not in_cluster_redis, f"{service}: egress to an in-cluster Redis prod does not run"


# --- the JWKS istiod fetches and the TLS host are served by the environment's Gateway ----------


def served_route(objects: list[dict], scheme: str, host: str) -> str:
    """What the ingress answers for http(s)://host/: the destination host of the route, or why
    it answers nothing (istiod then rejects every token)."""
    (gateway,) = of_kind(objects, "Gateway")
    protocol = {"http": "HTTP", "https": "HTTPS"}[scheme]
    servers = [s for s in gateway["spec"]["servers"] if s["port"]["protocol"] == protocol]
    server = next((s for s in servers if host in s["hosts"]), None)
    if server is None:
        return f"no {protocol} server of Gateway {gateway['metadata']['name']} serves {host}"
    if server.get("tls", {}).get("httpsRedirect"):
        return f"{scheme}://{host} only redirects to HTTPS"
    routes = [
        v
        for v in of_kind(objects, "VirtualService")
        if gateway["metadata"]["name"] in v["spec"].get("gateways", [])
        and host in v["spec"]["hosts"]
    ]
    if not routes:
        return f"no VirtualService binds {host} to Gateway {gateway['metadata']['name']}"
    (route,) = [http for http in routes[0]["spec"]["http"] if "match" not in http]
    return route["route"][0]["destination"]["host"]


INTERNAL_PATHS = {"/readyz", "/metrics", "/openapi.json"}
SCRAPER = "kube-prometheus-stack-prometheus"


@pytest.mark.parametrize("env", ENVS)
def test_readiness_metrics_and_openapi_are_never_served_from_outside(env):
    """The ingress answers the internal paths 404 itself; no caller's rule admits them; the
    scraper reads /metrics alone, on the gateway's internal port, where its probes go too."""
    objects = rendered_environment(env)
    (public,) = [v for v in of_kind(objects, "VirtualService") if v["spec"]["gateways"] != ["mesh"]]
    first = public["spec"]["http"][0]
    assert {match["uri"]["exact"] for match in first["match"]} == INTERNAL_PATHS
    assert first["directResponse"] == {"status": 404}
    for policy in of_kind(objects, "AuthorizationPolicy"):
        for rule in policy["spec"].get("rules", []):
            callers = {
                principal.rpartition("/sa/")[2]
                for source in rule["from"]
                for principal in source["source"]["principals"]
            }
            for operation in (to["operation"] for to in rule["to"]):
                if callers == {SCRAPER}:
                    assert operation["paths"] == ["/metrics"], name_of(policy)
                else:
                    assert set(operation["notPaths"]) >= INTERNAL_PATHS, name_of(policy)
    gateway = [obj for obj in objects if named(obj, "api-gateway")]
    (deployment,) = of_kind(gateway, "Deployment")
    (container,) = pod_template(deployment)["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8080, "http-internal": 9080}
    assert container["readinessProbe"]["httpGet"]["port"] == "http-internal"
    (monitor,) = of_kind(gateway, "ServiceMonitor")
    assert [endpoint["port"] for endpoint in monitor["spec"]["endpoints"]] == ["http-internal"]
    scraper_rule = next(
        rule
        for policy in of_kind(gateway, "AuthorizationPolicy")
        for rule in policy["spec"]["rules"]
        if SCRAPER in rule["from"][0]["source"]["principals"][0]
    )
    assert scraper_rule["to"][0]["operation"]["ports"] == ["9080"]


@pytest.mark.parametrize("env", ENVS)
def test_the_jwks_uri_istiod_fetches_is_served_by_the_gateway(env):
    """istiod (outside the mesh) fetches RequestAuthentication's jwksUri through the ingress; a
    host the Gateway does not serve answers 404 and istiod then rejects every token."""
    objects = rendered_environment(env)
    (jwt_rule,) = of_kind(objects, "RequestAuthentication")[0]["spec"]["jwtRules"]
    uri = urlsplit(jwt_rule["jwksUri"])
    assert uri.path == JWKS_PATH, "the gateway proxies the JWKS to auth-service at this path only"
    destination = served_route(objects, uri.scheme, uri.hostname)
    assert destination == f"api-gateway.{namespace(env)}.svc.cluster.local", destination


@pytest.mark.parametrize("env", [env for env in ENVS if env != "local"])
def test_every_public_host_is_served_over_tls_with_the_documented_certificate(env):
    objects = rendered_environment(env)
    (gateway,) = of_kind(objects, "Gateway")
    (https,) = [s for s in gateway["spec"]["servers"] if s["port"]["protocol"] == "HTTPS"]
    public = [v for v in of_kind(objects, "VirtualService") if v["spec"]["gateways"] != ["mesh"]]
    for host in public[0]["spec"]["hosts"]:
        assert served_route(objects, "https", host).startswith("api-gateway."), host
    # scripts/make-secrets.sh (docs/deploy.md) creates it where the ingress gateway runs.
    ingress_namespace = apps_values(env)["platform"]["istio-ingressgateway"]["namespace"]
    assert https["tls"]["credentialName"] == "titanium-tls" and ingress_namespace == "istio-ingress"
