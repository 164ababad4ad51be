"""Custom resources and skaffold.yaml against the upstream schemas of the versions we run, strict.

Every ServiceMonitor, PrometheusRule and CloudNativePG Cluster of every environment, every Argo CD
Application and AppProject (argocd/projects, argocd/bootstrap, and every Application the
app-of-apps chart renders for staging and prod) must be accepted by an API server running the
pinned operator's CRD with `fieldValidation=Strict`: no unknown or misspelled field, no wrong
type, nothing required missing (crd_schema.py). skaffold.yaml must satisfy skaffold's own
v4beta11 schema. The last part proves the validator refuses and accepts what a server would.
"""

import copy

import pytest
import yaml

from tests.delivery import conftest, crd_schema
from tests.delivery.conftest import (
    APPS_CHART,
    ENVS,
    ROOT,
    load_chart,
    load_yaml,
    name_of,
    platform_values,
    rendered_environment,
)

# API groups whose objects only an operator's CRD can validate: each must have its CRD vendored.
OPERATOR_GROUPS = ("monitoring.coreos.com/", "postgresql.cnpg.io/", "argoproj.io/")
ARGOCD_FILES = ("projects/titanium.yaml", "bootstrap/staging.yaml", "bootstrap/prod.yaml")
GITOPS_ENVS = ("staging", "prod")
SKAFFOLD_API_VERSION = "skaffold/v4beta11"


def load_all(path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render_apps(values: dict, env: str) -> list[dict]:
    """argocd/apps as the root Application renders it (tests/delivery/test_gitops.py)."""
    rendered = load_chart(APPS_CHART).render(values, name=f"{env}-root", namespace="argocd")
    return [doc for text in rendered.values() for doc in yaml.safe_load_all(text) if doc]


def rendered_applications(env: str) -> list[dict]:
    """Every Application the root of `env` renders: from values-<env>.yaml as committed and, where
    the chart takes a release pointer, once the release workflow has written one
    (conftest.TEST_RELEASE): only then do the services and titanium-platform render."""
    committed = load_yaml(APPS_CHART / f"values-{env}.yaml")
    renders = [committed]
    release = getattr(conftest, "TEST_RELEASE", None)
    if release is not None and "release" in committed:
        renders.append({**committed, "release": copy.deepcopy(release)})
    return [app for values in renders for app in render_apps(values, env)]


def refusals(objects: list[dict]) -> dict[str, list[str]]:
    found = {name_of(obj): crd_schema.validation_errors(obj) for obj in objects}
    return {name: errors for name, errors in found.items() if errors}


# --- what we ship -------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_every_operator_object_of_every_environment_is_valid_strict(env):
    objects = [o for o in rendered_environment(env) if o["apiVersion"].startswith(OPERATOR_GROUPS)]
    assert not refusals(objects)
    expected = {"ServiceMonitor", "PrometheusRule"}
    if platform_values(env).get("postgres", {}).get("mode") != "external":
        expected.add("Cluster")
    assert {o["kind"] for o in objects} == expected


@pytest.mark.parametrize("path", ARGOCD_FILES)
def test_every_argocd_object_applied_by_hand_is_valid_strict(path):
    objects = load_all(ROOT / "argocd" / path)
    assert objects
    assert not refusals(objects)


@pytest.mark.parametrize("env", GITOPS_ENVS)
def test_every_application_the_root_renders_is_valid_strict(env):
    apps = rendered_applications(env)
    assert {app["kind"] for app in apps} == {"Application"}
    assert not refusals(apps)
    # The services' own Applications are among them, not only the upstream add-ons.
    assert any(app["spec"]["source"].get("path") == "charts/titanium-service" for app in apps)
    assert any("chart" in app["spec"]["source"] for app in apps)


def test_skaffold_config_is_valid_against_its_schema():
    configs = load_all(ROOT / "skaffold.yaml")
    assert configs
    for config in configs:
        # A newer apiVersion needs skaffold's schema of that version vendored beside this one.
        assert config["apiVersion"] == SKAFFOLD_API_VERSION
        assert not crd_schema.skaffold_errors(config)


# --- the validator refuses what a strict API server refuses, and accepts what it accepts --------


def sample(kind: str) -> dict:
    """The first object of `kind` that we render (charts, then the staging root's Applications)."""
    candidates = [o for env in ENVS for o in rendered_environment(env)]
    candidates += rendered_applications("staging") + load_all(ROOT / "argocd" / ARGOCD_FILES[0])
    return copy.deepcopy(next(o for o in candidates if o["kind"] == kind))


def changed(obj: dict, path: tuple, value) -> dict:
    """obj with the field at `path` set to value (created on the way), or removed for DELETE."""
    node = obj
    for step in path[:-1]:
        node = node[step] if isinstance(step, int) else node.setdefault(step, {})
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return obj


DELETE = object()
ENDPOINT = ("spec", "endpoints", 0)
REFUSED = {
    "misspelled field": (
        "ServiceMonitor", (*ENDPOINT, "intervall"), "30s",
        'unknown field "spec.endpoints[0].intervall"',
    ),
    "wrong type": (
        "ServiceMonitor", (*ENDPOINT, "honorLabels"), "yes",
        "spec.endpoints[0].honorLabels: 'yes' is not of type 'boolean'",
    ),
    "unknown top-level spec key": (
        "Cluster", ("spec", "replicas"), 3, 'unknown field "spec.replicas"',
    ),
    "below the minimum": (
        "Cluster", ("spec", "instances"), 0, "spec.instances: 0 is less than the minimum of 1",
    ),
    "a quantity that is none": (
        "Cluster", ("spec", "resources", "limits", "memory"), "lots",
        "spec.resources.limits.memory: 'lots' does not match",
    ),
    "int-or-string given a float": (
        "ServiceMonitor", (*ENDPOINT, "targetPort"), 9.5, "spec.endpoints[0].targetPort",
    ),
    "int-or-string given a boolean": (
        "ServiceMonitor", (*ENDPOINT, "targetPort"), True, "spec.endpoints[0].targetPort",
    ),
    "a required field missing": (
        "PrometheusRule", ("spec", "groups", 0, "rules", 0, "expr"), DELETE,
        "spec.groups[0].rules[0]: 'expr' is a required property",
    ),
    "misspelled Application field": (
        "Application", ("spec", "source", "helm", "valueFile"), ["values.yaml"],
        'unknown field "spec.source.helm.valueFile"',
    ),
    "sync policy of the wrong type": (
        "Application", ("spec", "syncPolicy", "automated", "prune"), "true",
        "spec.syncPolicy.automated.prune: 'true' is not of type 'boolean'",
    ),
    "unknown AppProject field": (
        "AppProject", ("spec", "sourceRepo"), ["*"], 'unknown field "spec.sourceRepo"',
    ),
    "misspelled metadata": (
        "ServiceMonitor", ("metadata", "lables"), {}, 'unknown field "metadata.lables"',
    ),
    "a name that is no DNS subdomain": (
        "Cluster", ("metadata", "name"), "Auth_DB", "metadata.name",
    ),
    "no name": (
        "PrometheusRule", ("metadata", "name"), DELETE, "metadata: 'name' is a required property",
    ),
    "a version the operator does not serve": (
        "ServiceMonitor", ("apiVersion",), "monitoring.coreos.com/v1alpha1",
        "no served CRD version for apiVersion 'monitoring.coreos.com/v1alpha1'",
    ),
}  # fmt: skip
ACCEPTED = {
    "int-or-string as a number": ("ServiceMonitor", (*ENDPOINT, "targetPort"), 9102),
    "int-or-string as a name": ("ServiceMonitor", (*ENDPOINT, "targetPort"), "metrics"),
    "a quantity as an integer": ("Cluster", ("spec", "resources", "limits", "memory"), 1073741824),
    "a quantity as a string": ("Cluster", ("spec", "resources", "requests", "cpu"), "250m"),
    # x-kubernetes-preserve-unknown-fields: an upstream chart's values are its own business.
    "free-form chart values": (
        "Application", ("spec", "source", "helm", "valuesObject", "any", "depth"), 1,
    ),
    # The server prunes a null where the schema has no nullable: true, so it is no error.
    "a null in an optional field": ("ServiceMonitor", ("spec", "jobLabel"), None),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED)
def test_validator_refuses_what_a_strict_server_refuses(case):
    kind, path, value, expected = REFUSED[case]
    original = sample(kind)
    assert not crd_schema.validation_errors(original)
    errors = crd_schema.validation_errors(changed(original, path, value))
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


@pytest.mark.parametrize("case", ACCEPTED)
def test_validator_accepts_what_a_strict_server_accepts(case):
    kind, path, value = ACCEPTED[case]
    assert not crd_schema.validation_errors(changed(sample(kind), path, value))


SKAFFOLD_REFUSED = {
    "misspelled builder field": (
        ("build", "artifacts", 0, "docker", "dockerfil"), "Dockerfile",
        'unknown field "build.artifacts[0].docker.dockerfil"',
    ),
    "misspelled release field": (
        ("manifests", "helm", "releases", 0, "chartPth"), "charts/x",
        'unknown field "manifests.helm.releases[0].chartPth"',
    ),
    "unknown top-level key": (("deployy",), {}, 'unknown field "deployy"'),
    "wrong type": (("build", "local", "push"), "no", "build.local.push: 'no' is not of type"),
}  # fmt: skip


@pytest.mark.parametrize("case", SKAFFOLD_REFUSED)
def test_skaffold_schema_refuses_what_skaffold_refuses(case):
    path, value, expected = SKAFFOLD_REFUSED[case]
    config = load_all(ROOT / "skaffold.yaml")[0]
    errors = crd_schema.skaffold_errors(changed(config, path, value))
    assert len(errors) == 1 and errors[0].startswith(expected), errors


# --- the API server's structural-schema rules, on a schema small enough to read ----------------

WIDGET = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer"},
                "note": {"type": "string"},
                # As the API server allows it: the flag alone, no type and no anyOf beside it.
                "port": {"x-kubernetes-int-or-string": True},
                "maybe": {"type": "string", "nullable": True},
                "tags": {"type": "array", "items": {"type": "string"}},
                "names": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-kubernetes-list-type": "set",
                },
                "ports": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"port": {"type": "integer"}, "protocol": {"type": "string"}},
                    },
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["port", "protocol"],
                },
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {"spec": {"type": "object", "properties": {}}},
                },
                "raw": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
                "open": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"closed": {"type": "object", "properties": {}}},
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "empty": {"type": "object"},
            },
        }
    },
}
WIDGET_SPECS = {
    # spec: accepted?
    "minimal": ({"size": 1}, True),
    "int-or-string as an integer": ({"size": 1, "port": 8080}, True),
    "int-or-string as a string": ({"size": 1, "port": "http"}, True),
    "int-or-string as a float": ({"size": 1, "port": 1.5}, False),
    "int-or-string as an object": ({"size": 1, "port": {}}, False),
    "nullable field null": ({"size": 1, "maybe": None}, True),
    "non-nullable field null is pruned": ({"size": 1, "note": None}, True),
    "required field null is pruned, then missing": ({"size": None}, False),
    "null in a non-nullable list": ({"size": 1, "tags": [None]}, False),
    "set without duplicates": ({"size": 1, "names": ["a", "b"]}, True),
    "set with a duplicate": ({"size": 1, "names": ["a", "a"]}, False),
    "map list, distinct keys": (
        {"size": 1, "ports": [{"port": 80, "protocol": "TCP"}, {"port": 80, "protocol": "UDP"}]},
        True,
    ),
    "map list, a key twice": (
        {"size": 1, "ports": [{"port": 80, "protocol": "TCP"}, {"port": 80, "protocol": "TCP"}]},
        False,
    ),
    "embedded resource": (
        {"size": 1, "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {}}}},
        True,
    ),
    "embedded resource without kind": ({"size": 1, "template": {"apiVersion": "v1"}}, False),
    "embedded resource, unknown field": (
        {"size": 1, "template": {"apiVersion": "v1", "kind": "Pod", "status": {}}},
        False,
    ),
    "embedded resource, unknown metadata": (
        {"size": 1, "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"lables": {}}}},
        False,
    ),
    "embedded resource that preserves unknown fields": (
        {"size": 1, "raw": {"apiVersion": "v1", "kind": "Pod", "spec": {"x": 1}}},
        True,
    ),
    "preserved unknown field": ({"size": 1, "open": {"anything": {"goes": 1}}}, True),
    "a closed object inside a preserving one": ({"size": 1, "open": {"closed": {"x": 1}}}, False),
    "map values of the right type": ({"size": 1, "labels": {"a": "b"}}, True),
    "map value of the wrong type": ({"size": 1, "labels": {"a": 1}}, False),
    "an object without properties keeps no field": ({"size": 1, "empty": {"x": 1}}, False),
}


@pytest.mark.parametrize("case", WIDGET_SPECS)
def test_structural_schema_rules_are_the_api_servers(case):
    spec, accepted = WIDGET_SPECS[case]
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "one"},
        "spec": spec,
    }
    errors = crd_schema.validation_errors(widget, openapi_schema=WIDGET)
    assert (not errors) == accepted, errors
