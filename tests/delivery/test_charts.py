"""Charts: `helm lint --strict` and Helm's own render for every chart and environment; every
object valid against the Kubernetes schemas (strict) or, for Istio, against Istio's models with
unknown fields forbidden; values.schema.json refuses wrong values; checkov finds nothing."""

import json
import re

import helm_python
import kubernetes_validate
import pytest
from cloudcoil.models.istio.networking.v1 import DestinationRule, Gateway, VirtualService
from cloudcoil.models.istio.security.v1 import (
    AuthorizationPolicy,
    PeerAuthentication,
    RequestAuthentication,
)

from tests.delivery.conftest import (
    DATABASE_SERVICES,
    ENVS,
    KUBERNETES_VERSION,
    PLATFORM_CHART,
    SERVICE_CHART,
    SERVICES,
    TEST_RELEASE,
    TOOLS_BIN,
    deep_merge,
    load_chart,
    name_of,
    namespace,
    of_kind,
    platform_values,
    pod_template,
    render,
    rendered_environment,
    rendered_platform,
    rendered_service,
    run_tool,
    service_values,
)

ISTIO_MODELS = {
    ("networking.istio.io/v1", "VirtualService"): VirtualService,
    ("networking.istio.io/v1", "DestinationRule"): DestinationRule,
    ("networking.istio.io/v1", "Gateway"): Gateway,
    ("security.istio.io/v1", "AuthorizationPolicy"): AuthorizationPolicy,
    ("security.istio.io/v1", "PeerAuthentication"): PeerAuthentication,
    ("security.istio.io/v1", "RequestAuthentication"): RequestAuthentication,
}
# Kinds of operators, left to their own CRDs: test_crds.py validates them strictly against the
# upstream schema of the operator version we run (tests/delivery/schemas/), and promtool checks
# the PrometheusRule's PromQL (test_observability.py).
OPERATOR_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("postgresql.cnpg.io/v1", "Cluster"),
}
# checkov findings accepted, each with its reason (docs/adr/0006-delivery-charts.md repeats them).
CHECKOV_SKIPS = {
    # Local images are built on the spot (skaffold, e2e-kind) and have no digest yet; staging and
    # prod run the released digests (argocd/apps release.images).
    "CKV_K8S_43": "local-",
    # The services are 12-factor: DATABASE_URL, SECRET_KEY and REDIS_URL are read from the
    # environment (from Secrets by reference); the signing keys are mounted as files.
    "CKV_K8S_35": "*",
    # Minikube runs the images skaffold built into the node: local values use IfNotPresent.
    "CKV_K8S_15": "local-",
}
EVERY_RENDER = [(service, env) for env in ENVS for service in SERVICES]


# --- lint and render --------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "env"), EVERY_RENDER)
def test_service_chart_lints_strict(service, env):
    report = helm_python.lint(
        SERVICE_CHART, service_values(service, env), strict=True, namespace=namespace(env)
    )
    assert not report["errors"], report
    assert not [m for m in report["messages"] if m["severity"] >= 2], report


@pytest.mark.parametrize("env", ENVS)
def test_platform_chart_lints_strict(env):
    report = helm_python.lint(
        PLATFORM_CHART, platform_values(env), strict=True, namespace=namespace(env)
    )
    assert not report["errors"], report
    assert not [m for m in report["messages"] if m["severity"] >= 2], report


@pytest.mark.parametrize("env", ENVS)
def test_every_object_is_namespaced_and_labelled(env):
    for obj in rendered_environment(env):
        meta = obj["metadata"]
        assert meta.get("namespace") == namespace(env), name_of(obj)
        assert meta["labels"]["app.kubernetes.io/part-of"] == "titanium", name_of(obj)
        assert len(meta["name"]) <= 63, name_of(obj)


@pytest.mark.parametrize("env", ENVS)
def test_no_secret_values_in_any_chart(env):
    objects = rendered_environment(env)
    assert not of_kind(objects, "Secret"), "Secrets are created outside the charts"
    for config_map in of_kind(objects, "ConfigMap"):
        for key in config_map.get("data", {}):
            assert not re.search(r"(DATABASE_URL|SECRET|PASSWORD|TOKEN$|REDIS_URL)", key), key


def workload_containers(objects: list[dict]) -> list[tuple[str, dict]]:
    return [
        (name_of(obj), container)
        for obj in objects
        if obj["kind"] in ("Deployment", "Job", "CronJob", "Pod")
        for container in pod_template(obj)["spec"]["containers"]
    ]


@pytest.mark.parametrize("env", ENVS)
def test_every_container_runs_the_image_its_environment_names(env):
    # local: the tag skaffold and e2e-kind build; staging and prod: exactly the released digest
    # (Argo CD's parameter image.digest), never a tag a values file or the chart might name.
    for service in SERVICES:
        values = service_values(service, env)
        repository = values["image"]["repository"]
        expected = (
            f"{repository}:{values['image']['tag']}"
            if env == "local"
            else f"{repository}@{TEST_RELEASE['images'][service]}"
        )
        containers = workload_containers(rendered_service(service, env))
        assert containers, service
        for name, container in containers:
            assert container["image"] == expected, (env, service, name)


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize("service", SERVICES)
def test_staging_and_prod_do_not_render_without_a_released_digest(service, env):
    values = deep_merge(service_values(service, env), {"image": {"digest": ""}})
    with pytest.raises(helm_python.HelmError, match=r"image\.digest"):
        render(SERVICE_CHART, values, release=service, env=env)


def test_image_pull_secrets_reach_every_pod_that_runs_the_image():
    secrets = [{"name": "ghcr-pull"}]
    for service in SERVICES:
        default = render(
            SERVICE_CHART, service_values(service, "local"), release=service, env="local"
        )
        pulling = render(
            SERVICE_CHART,
            deep_merge(service_values(service, "local"), {"imagePullSecrets": secrets}),
            release=service,
            env="local",
        )
        for obj in default:
            if obj["kind"] in ("Deployment", "Job", "CronJob", "Pod"):
                assert "imagePullSecrets" not in pod_template(obj)["spec"], name_of(obj)
        workloads = [
            obj for obj in pulling if obj["kind"] in ("Deployment", "Job", "CronJob", "Pod")
        ]
        assert len(workloads) >= 1 + (service in DATABASE_SERVICES), service
        for obj in workloads:
            assert pod_template(obj)["spec"]["imagePullSecrets"] == secrets, name_of(obj)


# --- Kubernetes and Istio schemas -------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_every_kubernetes_object_is_valid_strict(env):
    checked = 0
    for obj in rendered_environment(env):
        key = (obj["apiVersion"], obj["kind"])
        if key in ISTIO_MODELS or key in OPERATOR_KINDS:
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked > 40


@pytest.mark.parametrize("env", ENVS)
def test_every_istio_object_is_valid_with_unknown_fields_forbidden(env):
    kinds = set()
    for obj in rendered_environment(env):
        model = ISTIO_MODELS.get((obj["apiVersion"], obj["kind"]))
        if model:
            model.model_validate(obj, extra="forbid")
            kinds.add(obj["kind"])
    assert kinds == {key[1] for key in ISTIO_MODELS}


@pytest.mark.parametrize("env", ENVS)
def test_nothing_but_known_kinds_is_rendered(env):
    known = set(ISTIO_MODELS) | OPERATOR_KINDS
    for obj in rendered_environment(env):
        key = (obj["apiVersion"], obj["kind"])
        if key not in known:
            assert not obj["apiVersion"].endswith((".io/v1alpha1", ".io/v1beta1")), key


@pytest.mark.parametrize("env", ENVS)
def test_operator_objects_have_their_required_shape(env):
    # Fields, types and required keys are the CRD schemas' (test_crds.py); what no schema can
    # say is ours: scrape /metrics of the selected services only, and one database per service.
    objects = rendered_environment(env)
    for monitor in of_kind(objects, "ServiceMonitor"):
        assert monitor["spec"]["selector"]["matchLabels"], name_of(monitor)
        assert {e["path"] for e in monitor["spec"]["endpoints"]} == {"/metrics"}, name_of(monitor)
    for cluster in of_kind(objects, "Cluster"):
        spec = cluster["spec"]
        # The operator's webhook, not the schema, requires a volume size.
        assert spec["storage"]["size"], name_of(cluster)
        assert set(spec["bootstrap"]["initdb"]) == {"database", "owner"}, name_of(cluster)
    external = platform_values(env).get("postgres", {}).get("mode") == "external"
    assert len(of_kind(objects, "Cluster")) == (0 if external else len(DATABASE_SERVICES))


# --- values.schema.json ----------------------------------------------------------------------

BAD_VALUES = {
    "replicas as text": {"replicaCount": "two"},
    "unknown key": {"replicas": 3},
    "writable root filesystem": {"containerSecurityContext": {"readOnlyRootFilesystem": False}},
    "root user": {"podSecurityContext": {"runAsUser": 0}},
    "a secret as a plain value": {"env": {"DATABASE_URL": "postgresql://u:p@db/x"}},
    "a limit that is no quantity": {"resources": {"limits": {"memory": "lots"}}},
    "an unknown retry field": {"mesh": {"virtualService": {"retries": {"attemps": 3}}}},
    "a latest-style tag with a slash": {"image": {"tag": "feature/x"}},
}


@pytest.mark.parametrize("case", BAD_VALUES)
def test_schema_refuses_wrong_values(case):
    values = deep_merge(service_values("webapp", "prod"), BAD_VALUES[case])
    with pytest.raises(helm_python.HelmValuesError):
        render(SERVICE_CHART, values, release="webapp", env="prod")


def test_platform_schema_refuses_permissive_mtls():
    values = deep_merge(platform_values("prod"), {"mtlsMode": "PERMISSIVE"})
    with pytest.raises(helm_python.HelmValuesError):
        render(PLATFORM_CHART, values, release="titanium-platform", env="prod")


def test_every_value_of_both_charts_is_covered_by_the_schema():
    for chart in (SERVICE_CHART, PLATFORM_CHART):
        schema = json.loads((chart / "values.schema.json").read_text())
        assert schema["additionalProperties"] is False
        assert set(load_chart(chart).values) <= set(schema["properties"]), chart.name


# --- hooks, tests, notes ---------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_run_as_presync_hook_only_for_services_with_a_database(service):
    jobs = of_kind(rendered_service(service, "prod"), "Job")
    if service not in DATABASE_SERVICES:
        assert not jobs
        return
    (job,) = jobs
    annotations = job["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] == "PreSync"
    assert "HookSucceeded" in annotations["argocd.argoproj.io/hook-delete-policy"]
    assert job["spec"]["backoffLimit"] == 0
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    command = pod["containers"][0]["command"]
    assert command == ["flask", "--app", service.replace("-", "_"), "upgrade-database"]
    # The hook's ServiceAccount is a hook too: on a first sync nothing else exists yet.
    hook_accounts = [
        sa
        for sa in of_kind(rendered_service(service, "prod"), "ServiceAccount")
        if sa["metadata"]["name"] == pod["serviceAccountName"]
    ]
    assert hook_accounts[0]["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"


def test_the_trash_purge_runs_daily_as_a_cronjob_of_the_webapp_only():
    """webapp's `trash purge` (ADR 0017): once a day, one run at a time, with the database and
    settings the server has, and no sidecar (the Job must end)."""
    for service in SERVICES:
        cron_jobs = of_kind(rendered_service(service, "prod"), "CronJob")
        assert bool(cron_jobs) == (service == "webapp"), service
    (cron_job,) = of_kind(rendered_service("webapp", "prod"), "CronJob")
    assert cron_job["spec"]["concurrencyPolicy"] == "Forbid"
    assert len(cron_job["spec"]["schedule"].split()) == 5
    template = pod_template(cron_job)
    assert template["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
    pod = template["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    assert container["command"] == ["flask", "--app", "webapp", "trash", "purge"]
    assert {
        "name": "DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": "webapp-db-app", "key": "uri"}},
    } in container["env"]
    assert container["envFrom"] == [{"configMapRef": {"name": "webapp"}}]
    accounts = {
        sa["metadata"]["name"]
        for sa in of_kind(rendered_service("webapp", "prod"), "ServiceAccount")
    }
    assert pod["serviceAccountName"] in accounts


@pytest.mark.parametrize("env", ENVS)
def test_webapp_reads_from_the_ro_service_wherever_its_cluster_has_a_replica(env):
    """DATABASE_REPLICA_URL (ADR 0024): CloudNativePG's `webapp-db-ro` Service, with the
    credentials of the Secret DATABASE_URL comes from, exactly where webapp-db has standbys."""
    clusters = {
        obj["metadata"]["name"]: obj["spec"]["instances"]
        for obj in of_kind(rendered_platform(env), "Cluster")
    }
    has_standbys = clusters.get("webapp-db", 0) > 1
    (deployment,) = of_kind(rendered_service("webapp", env), "Deployment")
    env_vars = {
        entry["name"]: entry for entry in pod_template(deployment)["spec"]["containers"][0]["env"]
    }

    assert ("DATABASE_REPLICA_URL" in env_vars) == has_standbys, clusters
    if not has_standbys:
        return
    primary_secret = env_vars["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
    for name, key in (
        ("DATABASE_REPLICA_USER", "username"),
        ("DATABASE_REPLICA_PASSWORD", "password"),
        ("DATABASE_REPLICA_DBNAME", "dbname"),
    ):
        assert env_vars[name]["valueFrom"]["secretKeyRef"] == {"name": primary_secret, "key": key}
    names = list(env_vars)
    assert names.index("DATABASE_REPLICA_URL") > names.index("DATABASE_REPLICA_PASSWORD")
    assert env_vars["DATABASE_REPLICA_URL"]["value"] == (
        "postgresql://$(DATABASE_REPLICA_USER):$(DATABASE_REPLICA_PASSWORD)"
        "@webapp-db-ro:5432/$(DATABASE_REPLICA_DBNAME)"
    )


def test_outbox_relay_is_its_own_workload():
    objects = rendered_service("auth-service", "prod")
    relay = next(
        d for d in of_kind(objects, "Deployment") if d["metadata"]["name"].endswith("outbox-relay")
    )
    container = relay["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["flask", "--app", "auth_service", "outbox", "relay"]
    assert container["ports"][0]["containerPort"] == 9102
    assert relay["spec"]["template"]["spec"]["serviceAccountName"] == "auth-service-outbox-relay"


def test_helm_test_smoke_tests_the_gateway_only():
    for service in SERVICES:
        pods = [
            pod
            for pod in of_kind(rendered_service(service, "prod"), "Pod")
            if pod["metadata"]["annotations"].get("helm.sh/hook") == "test"
        ]
        assert len(pods) == (service == "api-gateway"), service
    (pod,) = of_kind(rendered_service("api-gateway", "prod"), "Pod")
    script = pod["spec"]["containers"][0]["command"][-1]
    assert "/healthz" in script and "/api/tags" in script


def test_argo_cd_runs_the_smoke_test_after_every_sync():
    """Argo CD never runs Helm test hooks: the smoke test only runs on sync as a PostSync hook
    (tests/images runs the Pod itself against the stack served from the images)."""
    (pod,) = of_kind(rendered_service("api-gateway", "prod"), "Pod")
    annotations = pod["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] == "PostSync"
    assert set(annotations["argocd.argoproj.io/hook-delete-policy"].split(",")) == {
        "BeforeHookCreation",
        "HookSucceeded",
    }


@pytest.mark.parametrize("chart", [SERVICE_CHART, PLATFORM_CHART])
def test_notes_render(chart):
    values = service_values("auth-service", "prod") if chart == SERVICE_CHART else None
    values = values or platform_values("prod")
    notes = load_chart(chart).render(values, name="auth-service", namespace="titanium-prod")
    text = next(v for k, v in notes.items() if k.endswith("NOTES.txt"))
    assert "titanium-prod" in text


# --- checkov ----------------------------------------------------------------------------------


def test_checkov_finds_nothing_in_rendered_manifests(rendered_dir):
    result = run_tool(
        [
            *(str(TOOLS_BIN / "checkov"), "--skip-download", "--quiet", "--compact", "-o", "json"),
            *("--framework", "kubernetes", "-d", str(rendered_dir)),
        ]
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for item in reports
        for check in item["results"]["failed_checks"]
        if not (
            check["check_id"] in CHECKOV_SKIPS
            and (
                CHECKOV_SKIPS[check["check_id"]] == "*"
                or check["file_path"].lstrip("/").startswith(CHECKOV_SKIPS[check["check_id"]])
            )
        )
    ]
    assert not failed, "\n".join(failed)
    assert sum(item["summary"]["passed"] for item in reports) > 1000
