"""Cluster rules as tests: what a real cluster would refuse or silently break, checked offline.

Each environment is the cluster Terraform makes for it (staging on the solid-cloud root, prod on
the aws root: each root's terraform.tfvars names its environment) plus what Argo CD syncs into
it (argocd/apps with values-<env>.yaml, the charts rendered by conftest). The admission chain is
modelled in tests/delivery/cluster_model.py: Istio's injector mutates the pod, then Pod Security
admission checks the level the namespace enforces; ResourceQuota counts every pod with the
LimitRange defaults applied; NetworkPolicies decide who reaches which port.
"""

from fractions import Fraction

import helm_python
import pytest
import yaml

from tests.delivery import cluster_model as cluster
from tests.delivery.conftest import (
    APPS_CHART,
    apps_values,
    name_of,
    namespace,
    of_kind,
    pod_template,
    rendered_environment,
)

ENVIRONMENTS = ("staging", "prod")
POD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
MONITORING = "monitoring"


def istiod_values(env: str) -> dict:
    return apps_values(env)["platform"]["istiod"].get("values") or {}


def add_ons(env: str) -> dict[str, dict]:
    return {name: a for name, a in apps_values(env)["platform"].items() if a["enabled"]}


def wave(env: str, name: str) -> int:
    return int(add_ons(env)[name]["wave"])


def as_pod(obj: dict) -> dict:
    """The pod a workload makes (metadata and spec of its template), in its namespace."""
    template = pod_template(obj)
    metadata = dict(template.get("metadata") or {})
    metadata["name"] = obj["metadata"]["name"]
    return {"kind": "Pod", "metadata": metadata, "spec": template["spec"]}


def environment_pods(env: str) -> list[tuple[dict, dict]]:
    """(object, pod before admission) for everything that starts a pod in titanium-<env>:
    the charts' workloads, hook Jobs and test Pods, and the CloudNativePG instances."""
    objects = rendered_environment(env)
    pods = [(obj, as_pod(obj)) for obj in objects if obj["kind"] in POD_KINDS]
    for db in of_kind(objects, "Cluster"):
        pods += [(db, pod) for pod in cluster.cnpg_instance_pods(db)]
    return pods


def admitted(env: str, pod: dict, istiod: dict | None = None) -> dict:
    labels = cluster.namespace_labels(env, namespace(env))
    return cluster.admitted_pod(pod, labels, istiod_values(env) if istiod is None else istiod)


def webapp_pod(env="staging") -> dict:
    (deployment,) = [
        o
        for o in of_kind(rendered_environment(env), "Deployment")
        if o["metadata"]["name"] == "webapp"
    ]
    return as_pod(deployment)


# --- Pod Security with the injected sidecars ---------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_pod_meets_the_pod_security_level_of_its_namespace(env):
    """Istio's injector runs before Pod Security admission, so the level is checked on the pod
    as injected: app namespaces enforce `restricted` (the standard stays), and every
    Deployment, hook Job, test Pod and PostgreSQL instance must pass it with its sidecar."""
    labels = cluster.namespace_labels(env, namespace(env))
    level = cluster.enforced_level(labels)
    assert level == "restricted", f"{namespace(env)} enforces {level}, the standard is restricted"
    refused = {}
    for obj, pod in environment_pods(env):
        problems = cluster.pod_security_violations(admitted(env, pod), level)
        if problems:
            refused[f"{name_of(obj)} ({pod['metadata']['name']})"] = problems
    assert not refused, f"{namespace(env)} (enforce={level}) refuses: {refused}"


def test_the_checker_refuses_istio_init_without_cni():
    """With pilot.cni.enabled false the injector adds istio-init (root, NET_ADMIN, NET_RAW):
    the webapp pod is then refused under restricted and under baseline."""
    without_cni = {**istiod_values("staging"), "pilot": {"cni": {"enabled": False}}}
    pod = admitted("staging", webapp_pod(), istiod=without_cni)
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["istio-init"]
    restricted = cluster.pod_security_violations(pod, "restricted")
    baseline = cluster.pod_security_violations(pod, "baseline")
    assert "istio-init: adds capabilities ['NET_ADMIN', 'NET_RAW']" in baseline
    assert "istio-init: runAsNonRoot not true" in restricted
    assert "istio-init: runAsUser=0" in restricted
    with_cni = {**istiod_values("staging"), "pilot": {"cni": {"enabled": True}}}
    pod = admitted("staging", webapp_pod(), istiod=with_cni)
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["istio-validation"]
    assert cluster.pod_security_violations(pod, "restricted") == []


@pytest.mark.parametrize(
    ("change", "level", "expected"),
    [
        (
            lambda s: s["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
            "baseline",
            "hostPath volume 'h'",
        ),
        (lambda s: s.update(hostNetwork=True), "baseline", "host namespaces: hostNetwork=true"),
        (
            lambda s: s["containers"][0]["securityContext"].update(privileged=True),
            "baseline",
            "webapp: privileged",
        ),
        (
            lambda s: (
                s["containers"][0]
                .setdefault("ports", [])
                .append({"containerPort": 80, "hostPort": 80})
            ),
            "baseline",
            "webapp: hostPort 80",
        ),
        (
            lambda s: s["securityContext"].update(
                sysctls=[{"name": "net.core.somaxconn", "value": "1"}]
            ),
            "baseline",
            "unsafe sysctl net.core.somaxconn",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(procMount="Unmasked"),
            "baseline",
            "webapp: procMount Unmasked",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(
                seccompProfile={"type": "Unconfined"}
            ),
            "baseline",
            "webapp: seccomp Unconfined",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(
                seLinuxOptions={"type": "spc_t"}
            ),
            "baseline",
            "webapp: seLinuxOptions.type 'spc_t'",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(
                capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}
            ),
            "baseline",
            "webapp: adds capabilities ['SYS_ADMIN']",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(
                capabilities={"drop": ["ALL"], "add": ["CHOWN"]}
            ),
            "restricted",
            "webapp: adds ['CHOWN'] (restricted)",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(capabilities={}),
            "restricted",
            "webapp: capabilities not dropped (ALL)",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True),
            "restricted",
            "webapp: allowPrivilegeEscalation not false",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(runAsUser=0),
            "restricted",
            "webapp: runAsUser=0",
        ),
        (
            lambda s: s["containers"][0]["securityContext"].update(runAsNonRoot=False),
            "restricted",
            "webapp: runAsNonRoot not true",
        ),
        (
            lambda s: s["securityContext"].pop("seccompProfile"),
            "restricted",
            "webapp: seccomp profile not RuntimeDefault/Localhost",
        ),
        (
            lambda s: s["volumes"].append({"name": "n", "nfs": {"server": "x", "path": "/"}}),
            "restricted",
            "volume 'n' of type ['nfs']",
        ),
    ],
)
def test_the_checker_bites(change, level, expected):
    """Each rule of the standard, broken once on the (otherwise compliant) webapp pod."""
    pod = webapp_pod()
    pod["spec"]["containers"][0]["securityContext"].pop("seccompProfile", None)
    assert cluster.pod_security_violations(pod, "restricted") == []
    change(pod["spec"])
    assert expected in cluster.pod_security_violations(pod, level)
    if level == "restricted":
        assert expected not in cluster.pod_security_violations(pod, "baseline")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_istio_cni_is_installed_before_istiod_and_enabled_in_it(env):
    """The CNI node agent sets up each pod's traffic redirection, so the injector adds the
    unprivileged istio-validation instead of istio-init; it must be ready before istiod
    injects any pod, at the same Istio version."""
    platform = add_ons(env)
    assert "istio-cni" in platform, "no Istio CNI node agent add-on"
    cni, istiod = platform["istio-cni"], platform["istiod"]
    assert (cni["repoURL"], cni["chart"], cni["namespace"]) == (
        istiod["repoURL"],
        "cni",
        istiod["namespace"],
    )
    assert cni["version"] == istiod["version"] == platform["istio-base"]["version"]
    assert wave(env, "istio-base") < wave(env, "istio-cni") < wave(env, "istiod")
    assert (istiod_values(env).get("pilot") or {}).get("cni", {}).get("enabled") is True


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_privileged_add_on_pods_are_admitted_where_they_run(env):
    """The add-ons that need host access (the CNI DaemonSet writes onto the node,
    node-exporter reads the host's /proc and /sys in its network and PID namespaces) run in
    namespaces whose Pod Security level admits them."""
    refused = {}
    for name, add_on in add_ons(env).items():
        pod = cluster.UPSTREAM_PRIVILEGED_PODS.get((add_on["chart"], str(add_on["version"])))
        if pod is None:
            continue
        labels = cluster.namespace_labels(env, add_on["namespace"])
        level = cluster.enforced_level(labels)
        problems = cluster.pod_security_violations(pod, level)
        if problems:
            refused[f"{name}: {pod['metadata']['name']} in {add_on['namespace']} ({level})"] = (
                problems
            )
    assert not refused, refused


# --- injection where mesh certificates are needed ---------------------------------------------


def prometheus_pod(env: str) -> dict:
    """The Prometheus pod kube-prometheus-stack makes from our values (podMetadata)."""
    spec = apps_values(env)["platform"]["kube-prometheus-stack"]["values"]["prometheus"][
        "prometheusSpec"
    ]
    metadata = spec.get("podMetadata") or {}
    return {
        "kind": "Pod",
        "metadata": {
            "name": f"prometheus-{cluster.KPS_PROMETHEUS_NAME}-0",
            "labels": {**(metadata.get("labels") or {}), **cluster.KPS_PROMETHEUS_LABELS},
            "annotations": dict(metadata.get("annotations") or {}),
        },
        "spec": {"containers": [{"name": "prometheus"}]},
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_prometheus_gets_the_sidecar_that_writes_its_mesh_certificates(env):
    """The ServiceMonitors scrape over mTLS with the certificates Istio's sidecar writes into
    the Prometheus pod: the injector must select that pod in its namespace."""
    kps = add_ons(env)["kube-prometheus-stack"]
    labels = cluster.namespace_labels(env, kps["namespace"])
    pod = prometheus_pod(env)
    assert cluster.webhook_injects(labels, pod["metadata"]), (
        f"Prometheus in {kps['namespace']} (labels {labels}) is not injected: "
        "no certificates under /etc/prom-certs/"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_prometheus_is_created_after_the_injector_exists(env):
    """A pod created before istiod's webhook exists is never injected (admission runs once),
    so kube-prometheus-stack syncs in a wave after istiod."""
    assert wave(env, "kube-prometheus-stack") > wave(env, "istiod")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_app_pods_are_injected_and_pods_that_must_finish_are_not(env):
    labels = cluster.namespace_labels(env, namespace(env))
    for obj, pod in environment_pods(env):
        injected = cluster.webhook_injects(labels, pod["metadata"])
        where = f"{name_of(obj)} ({pod['metadata']['name']})"
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            assert injected, f"{where}: no sidecar, so no mTLS under STRICT PeerAuthentication"
        else:
            # Jobs and test Pods must end; PostgreSQL instances are outside the mesh.
            assert not injected, f"{where}: a sidecar would keep it running"


# --- quotas -----------------------------------------------------------------------------------


def namespace_demand(env: str) -> dict[str, dict]:
    """Pods and their quota usage per item, at HPA min (steady) and at max (HPA max, a rolling
    update's surge, the migration hooks, the smoke test Pod), sidecars and LimitRange included."""
    objects = rendered_environment(env)
    limit_range = cluster.terraform_namespaces(cluster.root_of(env))[namespace(env)]["limit_range"]
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]
        for h in of_kind(objects, "HorizontalPodAutoscaler")
    }
    items = {}
    for obj, pod in environment_pods(env):
        usage = cluster.pod_usage(admitted(env, pod)["spec"], limit_range)
        if obj["kind"] == "Deployment":
            hpa = hpas.get(obj["metadata"]["name"])
            low = hpa["minReplicas"] if hpa else obj["spec"].get("replicas", 1)
            high = hpa["maxReplicas"] if hpa else obj["spec"].get("replicas", 1)
            rolling = (obj["spec"].get("strategy") or {}).get("rollingUpdate") or {}
            high += cluster.surge(rolling.get("maxSurge"), high)
            key = name_of(obj)
        elif obj["kind"] == "Cluster":
            low = high = 1
            key = f"{name_of(obj)}/{pod['metadata']['name']}"
        else:  # hook Jobs (parallelism 1) and test Pods run only during a sync
            low, high = 0, obj["spec"].get("parallelism", 1) if obj["kind"] == "Job" else 1
            key = name_of(obj)
        items[key] = {"min": low, "max": high, "usage": usage}
    return items


def totals(items: dict, bound: str) -> dict:
    total = dict.fromkeys(cluster.RESOURCES, 0)
    total["pods"] = 0
    for item in items.values():
        total["pods"] += item[bound]
        for key in cluster.RESOURCES:
            total[key] += item[bound] * item["usage"][key]
    return total


def figures(total: dict) -> str:
    return (
        f"requests.cpu {cluster.cores(total['requests.cpu'])}, "
        f"requests.memory {cluster.gib(total['requests.memory'])}, "
        f"limits.cpu {cluster.cores(total['limits.cpu'])}, "
        f"limits.memory {cluster.gib(total['limits.memory'])}, pods {total['pods']}"
    )


# What the quota keeps free at max: room for a Deployment that grows a little before the quota
# is raised, instead of a rollout that stalls on a refused pod.
HEADROOM = Fraction(11, 10)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_app_namespace_quota_fits_everything_it_runs_at_max(env):
    namespaces = cluster.terraform_namespaces(cluster.root_of(env))
    quota = namespaces[namespace(env)]["quota"]
    assert quota, f"{namespace(env)} has no ResourceQuota"
    items = namespace_demand(env)
    low, high = totals(items, "min"), totals(items, "max")
    short = [k for k in (*cluster.RESOURCES, "pods") if high[k] * HEADROOM > quota[k]]
    assert not short, (
        f"{namespace(env)} ({cluster.root_of(env).name}): quota too small for {short} "
        f"(at max plus {HEADROOM - 1:.0%} headroom).\n"
        f"  needed at min: {figures(low)}\n  needed at max: {figures(high)}\n"
        f"  quota:         {figures(quota)}"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_quota_on_limits_comes_with_limit_range_defaults(env):
    """With limits.* in a ResourceQuota, a container that sets no limits is refused unless a
    LimitRange gives it defaults: every such namespace has one covering cpu and memory, and a
    bare container then counts as its defaults."""
    for name, made in cluster.terraform_namespaces(cluster.root_of(env)).items():
        if not made["quota"]:
            continue
        limit_range = made["limit_range"]
        assert limit_range, f"{name}: quota on limits without a LimitRange"
        usage = cluster.container_usage({"name": "bare"}, limit_range)
        for key in cluster.RESOURCES:
            assert usage[key] > 0, f"{name}: a container without resources has no {key}"
    main = (cluster.NAMESPACES_MODULE / "main.tf").read_text()
    quota_for_each = main.split('resource "kubernetes_resource_quota_v1" "this"')[1].split("\n")[1]
    limits_for_each = main.split('resource "kubernetes_limit_range_v1" "this"')[1].split("\n")[1]
    assert quota_for_each.strip() == limits_for_each.strip(), "a quota without its LimitRange"


# --- AppProject destinations ------------------------------------------------------------------


def render_apps(env: str) -> list[dict]:
    values = yaml.safe_load((APPS_CHART / f"values-{env}.yaml").read_text())
    rendered = helm_python.Chart.load(str(APPS_CHART)).render(
        values, name=f"{env}-root", namespace="argocd"
    )
    return [doc for text in rendered.values() for doc in yaml.safe_load_all(text) if doc]


def projects() -> dict[str, dict]:
    path = APPS_CHART.parent / "projects" / "titanium.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    return {d["metadata"]["name"]: d["spec"] for d in docs}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_namespace_an_application_renders_into_is_allowed_by_its_project(env):
    """Argo CD refuses to sync an object into a namespace the Application's AppProject does not
    list, and the later waves then never start. Upstream charts by the sourced table in
    cluster_model.UPSTREAM_NAMESPACES; our charts by their render."""
    allowed = {
        name: {d["namespace"] for d in spec["destinations"]} for name, spec in projects().items()
    }
    refused = {}
    for app in render_apps(env):
        spec = app["spec"]
        source, destination = spec["source"], spec["destination"]["namespace"]
        if "chart" in source:
            key = (source["chart"], str(source["targetRevision"]))
            assert key in cluster.UPSTREAM_NAMESPACES, (
                f"{app['metadata']['name']}: {key[0]}@{key[1]} is not in the sourced table; "
                "read its templates and add it"
            )
            values = (source.get("helm") or {}).get("valuesObject") or {}
            used = cluster.UPSTREAM_NAMESPACES[key](values, destination)
        elif source["path"].startswith("charts/"):
            used = {
                obj["metadata"].get("namespace") or destination
                for obj in rendered_environment(env)
                if obj["kind"] != "Namespace"
            }
        else:
            continue
        outside = used - allowed[spec["project"]]
        if outside:
            refused[app["metadata"]["name"]] = sorted(outside)
    assert not refused, f"namespaces outside the AppProject destinations: {refused}"


# --- NetworkPolicies admit every scrape, the operator and the smoke test -----------------------


def monitors(env: str) -> list[dict]:
    objects = rendered_environment(env)
    found = of_kind(objects, "ServiceMonitor") + of_kind(objects, "PodMonitor")
    found += [m for db in of_kind(objects, "Cluster") if (m := cluster.cnpg_pod_monitor(db))]
    return found


def scrape_targets(env: str, monitor: dict) -> list[tuple[dict, int]]:
    """(pod, port number) for every endpoint a ServiceMonitor/PodMonitor makes Prometheus scrape."""
    objects = rendered_environment(env)
    pods = [pod for _, pod in environment_pods(env)]
    spec = monitor["spec"]
    targets = []
    if monitor["kind"] == "PodMonitor":
        for pod in pods:
            if cluster.selector_matches(spec["selector"], pod["metadata"].get("labels") or {}):
                for endpoint in spec["podMetricsEndpoints"]:
                    targets.append((pod, cluster._port_number(endpoint["port"], pod)))
        return targets
    for service in of_kind(objects, "Service"):
        if not cluster.selector_matches(spec["selector"], service["metadata"].get("labels") or {}):
            continue
        for endpoint in spec["endpoints"]:
            (port,) = [p for p in service["spec"]["ports"] if p.get("name") == endpoint["port"]]
            for pod in pods:
                if all(
                    (pod["metadata"].get("labels") or {}).get(k) == v
                    for k, v in service["spec"]["selector"].items()
                ):
                    number = cluster._port_number(port.get("targetPort", port["port"]), pod)
                    targets.append((pod, number))
    return targets


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_network_policies_admit_prometheus_on_every_port_it_scrapes(env):
    """Every ServiceMonitor and PodMonitor target (ours, and the PodMonitor CloudNativePG makes
    for each Cluster) admits the Prometheus pod from the monitoring namespace on that port.
    Kubelet probes come from the node, which NetworkPolicies always allow."""
    policies = of_kind(rendered_environment(env), "NetworkPolicy")
    source_ns = cluster.namespace_labels(env, MONITORING)
    source = prometheus_pod(env)["metadata"]["labels"]
    blocked, scraped = [], 0
    for monitor in monitors(env):
        targets = scrape_targets(env, monitor)
        assert targets, f"{name_of(monitor)} scrapes nothing"
        for pod, port in targets:
            scraped += 1
            if not cluster.ingress_allowed(policies, pod, namespace(env), port, source_ns, source):
                blocked.append(f"{name_of(monitor)} -> {pod['metadata']['name']}:{port}")
    assert scraped
    assert not blocked, f"Prometheus ({MONITORING}) is blocked on: {blocked}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_cnpg_operator_reaches_every_instances_status_port(env):
    objects = rendered_environment(env)
    policies = of_kind(objects, "NetworkPolicy")
    operator_ns = add_ons(env)["cloudnative-pg"]["namespace"]
    source_ns = cluster.namespace_labels(env, operator_ns)
    for db in of_kind(objects, "Cluster"):
        for pod in cluster.cnpg_instance_pods(db):
            assert cluster.ingress_allowed(
                policies,
                pod,
                namespace(env),
                cluster.CNPG_STATUS_PORT,
                source_ns,
                cluster.CNPG_OPERATOR_LABELS,
            ), f"{pod['metadata']['name']}: the operator cannot reach the status port"


# The ingress gateway (istio gateway chart 1.24.2, release istio-ingressgateway): pods labelled
# by our values (istio: ingressgateway) and app=istio-ingressgateway; its Service maps port 80
# to container port 80 (the chart lowers net.ipv4.ip_unprivileged_port_start).
GATEWAY_LABELS = {"istio": "ingressgateway", "app": "istio-ingressgateway"}
KUBE_DNS = ("kube-system", {"k8s-app": "kube-dns"})


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_smoke_test_pod_reaches_the_gateway_through_the_ingress(env):
    objects = rendered_environment(env)
    policies = of_kind(objects, "NetworkPolicy")
    gateway = add_ons(env)["istio-ingressgateway"]
    assert gateway["values"]["labels"]["istio"] == GATEWAY_LABELS["istio"]
    gateway_ns = cluster.namespace_labels(env, gateway["namespace"])
    smoke = [as_pod(p) for p in of_kind(objects, "Pod")]
    assert smoke, "no helm test Pod"
    for pod in smoke:
        url = next(
            e["value"] for e in pod["spec"]["containers"][0]["env"] if e["name"] == "SMOKE_URL"
        )
        assert f".{gateway['namespace']}.svc" in url, url
        assert cluster.egress_allowed(
            policies, pod, namespace(env), 80, gateway_ns, GATEWAY_LABELS
        ), f"{pod['metadata']['name']}: egress to the ingress gateway is blocked"
        dns_ns = cluster.namespace_labels(env, KUBE_DNS[0])
        assert cluster.egress_allowed(
            policies, pod, namespace(env), 53, dns_ns, KUBE_DNS[1], protocol="UDP"
        ), f"{pod['metadata']['name']}: DNS is blocked"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lokis_caches_fit_the_monitoring_quota(env):
    """Loki's chart sizes its memcached caches at 9.6 and 1.2 GiB by default, more than a small
    monitoring quota: a pod the quota cannot fit is refused and its StatefulSet never becomes
    ready. A lower bound of the namespace's demand (the rest of the stack comes on top)."""
    loki = add_ons(env)["loki"]
    made = cluster.terraform_namespaces(cluster.root_of(env)).get(loki["namespace"]) or {}
    if not made.get("quota"):
        return
    pods = cluster.loki_cache_pods(loki.get("values") or {})
    demand = {key: 0 for key in cluster.RESOURCES}
    for pod in pods:
        for key, value in cluster.pod_usage(pod["spec"], made["limit_range"]).items():
            demand[key] += value
    quota = made["quota"]
    over = [k for k in cluster.RESOURCES if demand[k] > quota[k]]
    assert not over, (
        f"{loki['namespace']}: Loki's caches {[p['metadata']['name'] for p in pods]} alone need "
        f"requests.memory {cluster.gib(demand['requests.memory'])}, limits.memory "
        f"{cluster.gib(demand['limits.memory'])}; quota {cluster.gib(quota['requests.memory'])}"
        f" / {cluster.gib(quota['limits.memory'])}"
    )


def test_the_eks_control_plane_reaches_every_admission_webhook():
    """On EKS (the aws root) the API server dials each webhook pod through the node security
    group; a webhook it cannot reach fails every request it guards (istiod's: every pod of an
    injected namespace)."""
    root = cluster.root_of("prod")
    assert cluster.root_environment(root) == "prod" and root.name == "aws"
    open_ports = cluster.eks_control_plane_ports(cluster.TERRAFORM / "modules" / "eks")
    unreachable = {
        name: port
        for name, add_on in add_ons("prod").items()
        if (port := cluster.WEBHOOK_PORTS.get((add_on["chart"], str(add_on["version"]))))
        and port not in open_ports
    }
    assert not unreachable, f"webhook ports closed to the EKS control plane: {unreachable}"
