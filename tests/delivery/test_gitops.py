"""GitOps integrity: what Argo CD would sync is all there, well-formed and allowed.

The app-of-apps chart (argocd/apps) is rendered with Helm's own engine for every environment;
every Application it makes, plus the root Applications, must point at paths, charts and value
files that exist in this repository, use the AppProject that allows exactly what they use, sync
automatically with prune and selfHeal, and run platform add-ons in waves before the services.
What an environment runs is its release pointer (values-<env>.yaml `release`): without one only
the add-ons render; with one every titanium Application is pinned to the tested commit and each
service renders exactly its released image digest.
"""

import copy
import re
import subprocess
from pathlib import Path

import helm_python
import pytest
import yaml

from tests.delivery.conftest import TEST_RELEASE, deep_merge, load_yaml, pod_template

ROOT = Path(__file__).resolve().parents[2]
ARGOCD = ROOT / "argocd"
APPS_CHART = ARGOCD / "apps"
ENVIRONMENTS = ("staging", "prod")
SERVICES = ("api-gateway", "auth-service", "user-service", "webapp")
REPO_URL = "https://github.com/titanium-platform/titanium.git"
IN_CLUSTER = "https://kubernetes.default.svc"
# registry/path[:tag][@sha256:digest], lower-case path components (OCI distribution spec).
IMAGE_REF = re.compile(
    r"^(?P<repo>[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def env_values(env: str, release: dict | None = None) -> dict:
    """values-<env>.yaml as committed, or with the release pointer the pipeline would write."""
    values = yaml.safe_load((APPS_CHART / f"values-{env}.yaml").read_text())
    if release is not None:
        values["release"] = copy.deepcopy(release)
    return values


def render_apps(env: str, release: dict | None = None) -> list[dict]:
    rendered = helm_python.Chart.load(str(APPS_CHART)).render(
        env_values(env, release), name=f"{env}-root", namespace="argocd"
    )
    return [doc for text in rendered.values() for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="module")
def projects() -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in load_all(ARGOCD / "projects" / "titanium.yaml")}


@pytest.fixture(scope="module")
def roots() -> dict[str, dict]:
    return {
        env: yaml.safe_load((ARGOCD / "bootstrap" / f"{env}.yaml").read_text())
        for env in ENVIRONMENTS
    }


@pytest.fixture(scope="module")
def apps() -> dict[str, list[dict]]:
    """What each environment's root renders once the pipeline has written a release."""
    return {env: render_apps(env, TEST_RELEASE) for env in ENVIRONMENTS}


def all_applications(roots, apps) -> list[dict]:
    return list(roots.values()) + [a for env in ENVIRONMENTS for a in apps[env]]


def in_repo(app: dict) -> bool:
    return app["spec"]["source"]["repoURL"] == REPO_URL


# --- the app-of-apps chart itself -------------------------------------------------------------


@pytest.mark.parametrize("released", [False, True], ids=["as-committed", "released"])
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_apps_chart_lints_strict(env, released):
    values = env_values(env, TEST_RELEASE if released else None)
    result = helm_python.lint(str(APPS_CHART), values, strict=True)
    problems = [m for m in result["messages"] if m["severity"] >= 2]
    assert not result["errors"] and not problems, result


def test_apps_chart_requires_env():
    chart = helm_python.Chart.load(str(APPS_CHART))
    with pytest.raises(helm_python.HelmError):
        chart.render({"services": [{"name": "webapp"}]}, name="x", namespace="argocd")


@pytest.mark.parametrize(
    "override",
    [
        {"services": [{"name": "Web_App"}]},
        {"services": "webapp"},
        {"platform": {"redis": {"enabled": "yes"}}},
        {"release": {**TEST_RELEASE, "revision": "main"}},
        {"release": {**TEST_RELEASE, "revision": TEST_RELEASE["revision"][:12]}},
        {"release": {"revision": TEST_RELEASE["revision"]}},
        {"release": {"images": TEST_RELEASE["images"]}},
        {"release": {**TEST_RELEASE, "images": {**TEST_RELEASE["images"], "webapp": "sha-1"}}},
        {"release": {**TEST_RELEASE, "targetRevision": "main"}},
    ],
    ids=[
        "service-name",
        "services-type",
        "platform-type",
        "release-branch-name",
        "release-short-sha",
        "release-without-images",
        "release-without-revision",
        "release-tag-for-digest",
        "release-unknown-key",
    ],
)
def test_apps_chart_schema_refuses_wrong_values(override):
    values = {**env_values("staging"), **override}
    result = helm_python.lint(str(APPS_CHART), values, strict=True)
    assert result["errors"], f"{override} passed the schema"


# --- sources exist ----------------------------------------------------------------------------


def test_roots_point_at_the_apps_chart_with_their_values(roots):
    for env, root in roots.items():
        source = root["spec"]["source"]
        assert source["repoURL"] == REPO_URL
        chart = ROOT / source["path"]
        assert (chart / "Chart.yaml").is_file(), f"{env}: {source['path']} is not a chart"
        for values_file in source["helm"]["valueFiles"]:
            assert (chart / values_file).is_file(), f"{env}: {source['path']}/{values_file} missing"
        assert root["spec"]["destination"] == {"server": IN_CLUSTER, "namespace": "argocd"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_repo_source_path_chart_and_values_file_exists(env, apps):
    repo_apps = [a for a in apps[env] if in_repo(a)]
    assert repo_apps, "no Application from this repository"
    for app in repo_apps:
        name, source = app["metadata"]["name"], app["spec"]["source"]
        chart = ROOT / source["path"]
        assert chart.is_dir(), f"{name}: path {source['path']} does not exist"
        assert (chart / "Chart.yaml").is_file(), f"{name}: {source['path']} has no Chart.yaml"
        for values_file in source.get("helm", {}).get("valueFiles", []):
            assert (chart / values_file).is_file(), (
                f"{name}: {source['path']}/{values_file} does not exist"
            )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_service_has_its_application(env, apps):
    by_name = {a["metadata"]["name"]: a for a in apps[env]}
    for service in SERVICES:
        app = by_name.get(f"{env}-{service}")
        assert app, f"no Application {env}-{service}"
        source = app["spec"]["source"]
        assert source["path"] == "charts/titanium-service"
        assert source["helm"]["valueFiles"] == [
            f"values/{service}.yaml",
            f"values/{env}/{service}.yaml",
        ]
        assert app["spec"]["destination"] == {"server": IN_CLUSTER, "namespace": f"titanium-{env}"}
        assert app["spec"]["project"] == "titanium"
    assert f"{env}-titanium-platform" in by_name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_platform_charts_are_pinned_upstream_charts(env, apps):
    platform = [a for a in apps[env] if not in_repo(a)]
    names = {a["metadata"]["name"].removeprefix(f"{env}-") for a in platform}
    assert {
        "istio-base",
        "istiod",
        "istio-ingressgateway",
        "kube-prometheus-stack",
        "loki",
        "alloy",
        "cloudnative-pg",
    } <= names
    # Redis is an in-cluster add-on except where the environment has ElastiCache (prod on AWS).
    redis = yaml.safe_load((APPS_CHART / f"values-{env}.yaml").read_text()).get("platform", {})
    assert ("redis" in names) == redis.get("redis", {}).get("enabled", True)
    for app in platform:
        source = app["spec"]["source"]
        assert source["repoURL"].startswith("https://"), app["metadata"]["name"]
        assert source.get("chart") and "path" not in source, app["metadata"]["name"]
        assert EXACT_VERSION.match(str(source["targetRevision"])), (
            f"{app['metadata']['name']}: chart version {source['targetRevision']!r} is not pinned"
        )


# --- sync behaviour ---------------------------------------------------------------------------


def test_every_application_syncs_automatically_with_prune_and_self_heal(roots, apps):
    for app in all_applications(roots, apps):
        name = app["metadata"]["name"]
        automated = app["spec"]["syncPolicy"]["automated"]
        assert automated == {"prune": True, "selfHeal": True}, name
        assert "resources-finalizer.argocd.argoproj.io" in app["metadata"]["finalizers"], name
        assert app["spec"]["project"] != "default", name
        assert app["metadata"]["namespace"] == "argocd", name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_child_applications_create_their_namespace(env, apps):
    for app in apps[env]:
        assert "CreateNamespace=true" in app["spec"]["syncPolicy"]["syncOptions"], app["metadata"][
            "name"
        ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_platform_syncs_in_waves_before_the_services(env, apps):
    def wave(app):
        return int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])

    services = [
        a for a in apps[env] if a["spec"]["source"].get("path") == "charts/titanium-service"
    ]
    titanium_platform = next(
        a for a in apps[env] if a["metadata"]["name"] == f"{env}-titanium-platform"
    )
    add_ons = [a for a in apps[env] if not in_repo(a)]
    assert max(map(wave, add_ons)) < wave(titanium_platform) < min(map(wave, services))
    by_name = {a["metadata"]["name"].removeprefix(f"{env}-"): wave(a) for a in add_ons}
    assert by_name["istio-base"] < by_name["istiod"] < by_name["istio-ingressgateway"]
    assert by_name["loki"] < by_name["alloy"]


def test_staging_root_follows_the_pipeline_branch_and_prod_root_follows_main(roots):
    # deploy/staging is written only by the release workflow (tested commit + pointer); prod's
    # pointer on main moves only by a reviewed pull request.
    assert roots["staging"]["spec"]["source"]["targetRevision"] == "deploy/staging"
    assert roots["prod"]["spec"]["source"]["targetRevision"] == "main"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_an_environment_without_a_release_deploys_only_the_add_ons(env):
    # main carries `release: {}` for both environments until the pipeline writes a pointer, so
    # nothing untested (no service, not titanium-platform) is ever rendered from it.
    assert load_yaml(APPS_CHART / f"values-{env}.yaml").get("release") == {}
    rendered = render_apps(env)
    assert rendered, "the add-ons are missing"
    assert not [a["metadata"]["name"] for a in rendered if in_repo(a)]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_titanium_application_runs_the_release(env, apps):
    titanium = [a for a in apps[env] if in_repo(a)]
    assert {a["metadata"]["name"] for a in titanium} == {
        f"{env}-{name}" for name in (*SERVICES, "titanium-platform")
    }
    for app in titanium:
        source = app["spec"]["source"]
        assert source["targetRevision"] == TEST_RELEASE["revision"], app["metadata"]["name"]
        if source["path"] == "charts/titanium-service":
            service = app["metadata"]["name"].removeprefix(f"{env}-")
            assert source["helm"]["parameters"] == [
                {"name": "image.digest", "value": TEST_RELEASE["images"][service]}
            ]


def application_render(app: dict) -> list[dict]:
    """charts/titanium-service as Argo CD renders this Application: its value files, then its
    Helm parameters (--set)."""
    source = app["spec"]["source"]
    chart = ROOT / source["path"]
    values: dict = {}
    for values_file in source["helm"]["valueFiles"]:
        values = deep_merge(values, load_yaml(chart / values_file))
    for parameter in source["helm"].get("parameters", []):
        *parents, leaf = parameter["name"].split(".")
        override: dict = {leaf: parameter["value"]}
        for key in reversed(parents):
            override = {key: override}
        values = deep_merge(values, override)
    rendered = helm_python.Chart.load(str(chart)).render(
        values,
        name=source["helm"]["releaseName"],
        namespace=app["spec"]["destination"]["namespace"],
    )
    return [
        doc
        for template, text in rendered.items()
        if not template.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_service_application_runs_exactly_its_released_digest(env, apps):
    # End to end through Argo CD's inputs: the Application's value files and parameters make
    # every container of the service run repository@<released digest>.
    for app in apps[env]:
        if app["spec"]["source"].get("path") != "charts/titanium-service":
            continue
        service = app["metadata"]["name"].removeprefix(f"{env}-")
        expected = f"ghcr.io/titanium-platform/titanium-{service}@{TEST_RELEASE['images'][service]}"
        images = {
            container["image"]
            for obj in application_render(app)
            if obj["kind"] in ("Deployment", "Job", "CronJob", "Pod")
            for container in pod_template(obj)["spec"]["containers"]
        }
        assert images == {expected}, (env, service, images)


@pytest.mark.parametrize(
    "images",
    [
        {k: v for k, v in TEST_RELEASE["images"].items() if k != "webapp"},
        {**TEST_RELEASE["images"], "webapp": ""},
        {**TEST_RELEASE["images"], "webapp": "sha256:" + "A" * 64},
    ],
    ids=["digest-missing", "digest-empty", "digest-malformed"],
)
def test_a_release_without_a_valid_digest_for_a_listed_service_does_not_render(images):
    # The message names the service (the template's `required`, or the schema's path).
    with pytest.raises(helm_python.HelmError, match=r"release[./]images[./]webapp"):
        render_apps("prod", {**TEST_RELEASE, "images": images})


# --- AppProjects allow exactly what the Applications use ---------------------------------------


def test_app_projects_allow_exactly_what_the_applications_use(projects, roots, apps):
    used: dict[str, dict[str, set]] = {
        name: {"repos": set(), "destinations": set()} for name in projects
    }
    for app in all_applications(roots, apps):
        project = app["spec"]["project"]
        assert project in projects, f"{app['metadata']['name']}: unknown project {project}"
        used[project]["repos"].add(app["spec"]["source"]["repoURL"])
        destination = app["spec"]["destination"]
        used[project]["destinations"].add((destination["server"], destination["namespace"]))
    for name, project in projects.items():
        spec = project["spec"]
        allowed_repos = set(spec["sourceRepos"])
        allowed_destinations = {(d["server"], d["namespace"]) for d in spec["destinations"]}
        assert "*" not in allowed_repos and all("*" not in ns for _, ns in allowed_destinations), (
            name
        )
        assert allowed_repos == used[name]["repos"], (
            f"{name}: repos allowed {allowed_repos} != used {used[name]['repos']}"
        )
        assert allowed_destinations == used[name]["destinations"], (
            f"{name}: destinations allowed {allowed_destinations} != used "
            f"{used[name]['destinations']}"
        )


def test_project_kinds_match_what_is_deployed(projects, apps):
    # The root may only create Applications, which is all argocd/apps renders.
    bootstrap = projects["titanium-bootstrap"]["spec"]
    rendered_kinds = {
        (d["apiVersion"].split("/")[0], d["kind"]) for env in ENVIRONMENTS for d in apps[env]
    }
    assert {
        (k["group"], k["kind"]) for k in bootstrap["namespaceResourceWhitelist"]
    } == rendered_kinds
    assert bootstrap["clusterResourceWhitelist"] == []
    # Titanium's own project: no cluster-scoped kind but the Namespace CreateNamespace makes.
    titanium = projects["titanium"]["spec"]
    assert titanium["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


# --- images -----------------------------------------------------------------------------------


def test_skaffold_builds_the_images_the_chart_deploys():
    skaffold = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    built = {a["image"]: a["docker"] for a in skaffold["build"]["artifacts"]}
    assert set(built) == {f"ghcr.io/titanium-platform/titanium-{s}" for s in SERVICES}
    for image, docker in built.items():
        # The one Dockerfile, its build argument naming the service the image is named after.
        service = image.removeprefix("ghcr.io/titanium-platform/titanium-")
        assert IMAGE_REF.match(image), image
        assert docker == {
            "dockerfile": "Dockerfile",
            "buildArgs": {"SERVICE": service.replace("-", "_")},
        }
    for release in skaffold["manifests"]["helm"]["releases"]:
        assert (ROOT / release["chartPath"] / "Chart.yaml").is_file(), release["name"]
        for values_file in release["valuesFiles"]:
            assert (ROOT / values_file).is_file(), f"skaffold: {values_file} missing"


# --- the scripts the workflows run --------------------------------------------------------------


def test_shell_scripts_are_strict():
    for script in [
        "scripts/switch-to-cloud.sh",
        "scripts/e2e-kind.sh",
        "scripts/build-image.sh",
        "scripts/push-image.sh",
        "scripts/tf-validate.sh",
    ]:
        text = (ROOT / script).read_text()
        assert "set -o errexit -o nounset -o pipefail" in text, script
        assert subprocess.run(["bash", "-n", str(ROOT / script)], check=False).returncode == 0, (
            script
        )
