"""Shared helpers of the delivery tests: the charts rendered by Helm's own engine, offline.

Every chart is rendered for every environment exactly as Argo CD does it: charts/titanium-service
once per service with values/<svc>.yaml then values/<env>/<svc>.yaml (release <svc>), and
charts/titanium-platform with values-<env>.yaml (release titanium-platform), each into the
namespace titanium-<env>. Renders are cached for the session.
"""

import copy
import functools
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.charts import deep_merge, load_chart, load_yaml  # noqa: F401 - the tests import them from here
from scripts.charts import render as render_chart

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "charts"
SERVICE_CHART = CHARTS / "titanium-service"
PLATFORM_CHART = CHARTS / "titanium-platform"
APPS_CHART = ROOT / "argocd" / "apps"
AWS_TFVARS = ROOT / "terraform" / "environments" / "aws" / "terraform.tfvars"
SERVICES = ("api-gateway", "webapp", "auth-service", "user-service")
ENVS = ("local", "staging", "prod")
# Services with a database of their own (migrations, a CloudNativePG cluster).
DATABASE_SERVICES = ("webapp", "auth-service", "user-service")
TOOLS_BIN = ROOT / ".venv-tools" / "bin"
KUBERNETES_VERSION = "1.31.0"


def namespace(env: str) -> str:
    return f"titanium-{env}"


# A release pointer as the release workflow writes it into argocd/apps/values-<env>.yaml (the
# tested commit, one image digest per service): staging and prod render with it, as Argo CD does.
TEST_RELEASE = {
    "revision": "0123456789abcdef0123456789abcdef01234567",
    "images": {s: "sha256:" + hashlib.sha256(s.encode()).hexdigest() for s in SERVICES},
}


def service_values(service: str, env: str) -> dict:
    values = deep_merge(
        load_yaml(SERVICE_CHART / "values" / f"{service}.yaml"),
        load_yaml(SERVICE_CHART / "values" / env / f"{service}.yaml"),
    )
    if env in ("staging", "prod"):
        # Argo CD's Helm parameter image.digest (argocd/apps/templates/applications.yaml).
        values = deep_merge(values, {"image": {"digest": TEST_RELEASE["images"][service]}})
    return values


def platform_values(env: str) -> dict:
    return load_yaml(PLATFORM_CHART / f"values-{env}.yaml")


def apps_values(env: str) -> dict:
    """argocd/apps values of an environment (defaults + values-<env>.yaml). local has no file:
    skaffold and scripts/e2e-kind.sh install the add-ons from the defaults."""
    base = load_yaml(APPS_CHART / "values.yaml")
    override = APPS_CHART / f"values-{env}.yaml"
    return deep_merge(base, load_yaml(override)) if override.exists() else base


def render(chart: Path, values: dict, *, release: str, env: str) -> list[dict]:
    """Every object the chart renders into the environment's namespace, in template order."""
    return render_chart(chart, values, release=release, namespace=namespace(env))


@functools.cache
def _rendered_service(service: str, env: str) -> tuple:
    return tuple(render(SERVICE_CHART, service_values(service, env), release=service, env=env))


@functools.cache
def _rendered_platform(env: str) -> tuple:
    return tuple(render(PLATFORM_CHART, platform_values(env), release="titanium-platform", env=env))


def rendered_service(service: str, env: str) -> list[dict]:
    return copy.deepcopy(list(_rendered_service(service, env)))


def rendered_platform(env: str) -> list[dict]:
    return copy.deepcopy(list(_rendered_platform(env)))


def rendered_environment(env: str) -> list[dict]:
    """Everything one environment's namespace receives: the platform chart and every service."""
    objects = rendered_platform(env)
    for service in SERVICES:
        objects += rendered_service(service, env)
    return objects


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def name_of(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def pod_template(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload if workload["kind"] == "Pod" else workload["spec"]["template"]


def selects(selector: dict, labels: dict) -> bool:
    """A matchLabels selector matches labels (an empty selector matches everything)."""
    return all(labels.get(key) == value for key, value in (selector or {}).items())


def run_tool(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A validator as a program, offline (checkov never downloads its mapping)."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    return subprocess.run(args, capture_output=True, text=True, env=env, check=False, **kwargs)


def write_rendered(directory: Path, envs=ENVS) -> list[Path]:
    """Each chart's render per environment as one multi-document file (for checkov)."""
    paths = []
    for env in envs:
        charts = {"platform": rendered_platform(env)}
        charts.update({service: rendered_service(service, env) for service in SERVICES})
        for name, objects in charts.items():
            path = directory / f"{env}-{name}.yaml"
            path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
            paths.append(path)
    return paths


@pytest.fixture(scope="session")
def rendered_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("rendered")
    write_rendered(directory)
    return directory
