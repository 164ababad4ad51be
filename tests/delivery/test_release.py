"""The release pipeline's scripts, run for real against stand-ins of what they talk to.

scripts/release.py runs in a clone of a throwaway bare repository (`origin`, seeded with this
tree's argocd/), with a fake `gh` that records its arguments: staging must move only
deploy/staging (tested commit + one pointer commit), prod must push only promote/prod-<sha12>
and open a pull request against main, and neither may ever touch main. What Argo CD renders from
the written pointer is checked with Helm's own engine.

scripts/e2e-kind.sh runs with fake kind, kubectl, helm, docker and make on PATH: with DIGESTS it
must deploy exactly those digests and build nothing (without, build each image from the one
Dockerfile), and it must stop before the Playwright suites unless NetworkPolicy is proven
enforced.
"""

import base64
import difflib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import helm_python
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "scripts" / "release.py"
SERVICES = ("api-gateway", "auth-service", "user-service", "webapp")
VALUES = {"staging": "argocd/apps/values-staging.yaml", "prod": "argocd/apps/values-prod.yaml"}
IDENTITY = {
    "GIT_AUTHOR_NAME": "dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **IDENTITY, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(work: Path, message: str, files: dict[str, str]) -> str:
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", message)
    return git(work, "rev-parse", "HEAD")


def write_digests(directory: Path, images: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        path.unlink()
    for service, value in images.items():
        (directory / service).write_text(value + "\n")
    return directory


FAKE_GH = f"""#!{sys.executable}
import json, os, sys
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["pr", "list"] and os.path.exists(os.environ["GH_OPEN"]):
    print(open(os.environ["GH_OPEN"]).read().strip())
elif sys.argv[1:3] == ["pr", "create"]:
    print("https://github.com/titanium-platform/titanium/pull/1")
"""


@pytest.fixture
def pipeline(tmp_path) -> SimpleNamespace:
    """origin (bare) whose main is: this tree's argocd/, then the tested commit, then a later
    commit (main moved on while e2e ran); a branch with a commit that is not on main; the CI
    checkout (a clone); the digests the images job pushed; a fake gh on PATH."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(origin)], check=True)
    work = tmp_path / "work"
    git(tmp_path, "init", "--quiet", "-b", "main", str(work))
    shutil.copytree(ROOT / "argocd", work / "argocd")
    commit(work, "argocd", {})
    tested = commit(work, "a change e2e tested", {"README.md": "tested\n"})
    later = commit(work, "merged while e2e ran", {"README.md": "later\n"})
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "--quiet", "origin", "main")
    git(work, "switch", "--quiet", "-c", "feature", tested)
    unmerged = commit(work, "never merged", {"README.md": "feature\n"})
    git(work, "push", "--quiet", "origin", "feature")
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "--quiet", str(origin), str(ci))

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    images = {service: digest(service) for service in SERVICES}
    return SimpleNamespace(
        origin=origin,
        ci=ci,
        tested=tested,
        later=later,
        unmerged=unmerged,
        images=images,
        digests=write_digests(tmp_path / "digests", images),
        gh_log=tmp_path / "gh.log",
        gh_open=tmp_path / "gh-open",
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GH_LOG": str(tmp_path / "gh.log"),
            "GH_OPEN": str(tmp_path / "gh-open"),
            "GIT_CONFIG_NOSYSTEM": "1",
        },
        tmp=tmp_path,
    )


def release(pipeline, env: str, sha: str, digests: Path | None = None):
    return subprocess.run(
        [
            sys.executable,
            str(RELEASE),
            env,
            "--sha",
            sha,
            "--digests",
            str(digests or pipeline.digests),
        ],
        cwd=pipeline.ci,
        env=pipeline.env,
        capture_output=True,
        text=True,
        check=False,
    )


def origin_refs(pipeline) -> dict[str, str]:
    listed = git(pipeline.origin, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split() for line in listed.splitlines())


def gh_calls(pipeline) -> list[list[str]]:
    if not pipeline.gh_log.exists():
        return []
    return [json.loads(line) for line in pipeline.gh_log.read_text().splitlines()]


def changed_lines(repo: Path, before: str, after: str, path: str) -> tuple[list[str], list[str]]:
    old = git(repo, "show", f"{before}:{path}").splitlines()
    new = git(repo, "show", f"{after}:{path}").splitlines()
    diff = list(difflib.ndiff(old, new))
    return [line[2:] for line in diff if line[0] == "-"], [
        line[2:] for line in diff if line[0] == "+"
    ]


def pointer_lines(sha: str, images: dict[str, str]) -> list[str]:
    return ["release:", f"  revision: {sha}", "  images:"] + [
        f"    {service}: {images[service]}" for service in sorted(images)
    ]


def rendered_apps(repo: Path, ref: str, env: str, tmp: Path) -> list[dict]:
    """argocd/apps at `ref`, rendered as that environment's Argo CD root renders it."""
    archive = subprocess.run(
        ["git", "archive", ref, "argocd"], cwd=repo, check=True, capture_output=True
    ).stdout
    target = tmp / f"render-{env}-{ref.replace('/', '-')}"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    chart = target / "argocd" / "apps"
    values = yaml.safe_load((chart / f"values-{env}.yaml").read_text())
    rendered = helm_python.Chart.load(str(chart)).render(
        values, name=f"{env}-root", namespace="argocd"
    )
    return [doc for text in rendered.values() for doc in yaml.safe_load_all(text) if doc]


def assert_runs_release(apps: list[dict], env: str, sha: str, images: dict[str, str]) -> None:
    titanium = {
        a["metadata"]["name"]: a["spec"]["source"]
        for a in apps
        if a["spec"]["source"]["repoURL"] == "https://github.com/titanium-platform/titanium.git"
    }
    assert set(titanium) == {f"{env}-{s}" for s in (*SERVICES, "titanium-platform")}
    assert {source["targetRevision"] for source in titanium.values()} == {sha}
    for service in SERVICES:
        assert titanium[f"{env}-{service}"]["helm"]["parameters"] == [
            {"name": "image.digest", "value": images[service]}
        ]


# --- staging ------------------------------------------------------------------------------------


def test_staging_is_the_tested_commit_plus_its_release_pointer(pipeline):
    before = origin_refs(pipeline)
    result = release(pipeline, "staging", pipeline.tested)
    assert result.returncode == 0, result.stderr
    after = origin_refs(pipeline)
    # main (and every other branch) untouched; deploy/staging is the only new ref.
    assert {k: v for k, v in after.items() if k != "refs/heads/deploy/staging"} == before
    staging = after["refs/heads/deploy/staging"]
    origin = pipeline.origin
    assert git(origin, "rev-parse", f"{staging}^") == pipeline.tested
    assert git(origin, "diff", "--name-only", pipeline.tested, staging).splitlines() == [
        VALUES["staging"]
    ]
    removed, added = changed_lines(origin, pipeline.tested, staging, VALUES["staging"])
    assert removed == ["release: {}"]
    assert added == pointer_lines(pipeline.tested, pipeline.images)
    # What Argo CD's staging root (which follows deploy/staging) renders from it.
    apps = rendered_apps(origin, "deploy/staging", "staging", pipeline.tmp)
    assert_runs_release(apps, "staging", pipeline.tested, pipeline.images)
    assert not gh_calls(pipeline)


def test_staging_moves_on_to_the_next_release(pipeline):
    assert release(pipeline, "staging", pipeline.tested).returncode == 0
    newer = {service: digest(f"{service}-later") for service in SERVICES}
    write_digests(pipeline.digests, newer)
    result = release(pipeline, "staging", pipeline.later)
    assert result.returncode == 0, result.stderr
    staging = origin_refs(pipeline)["refs/heads/deploy/staging"]
    assert git(pipeline.origin, "rev-parse", f"{staging}^") == pipeline.later
    apps = rendered_apps(pipeline.origin, "deploy/staging", "staging", pipeline.tmp)
    assert_runs_release(apps, "staging", pipeline.later, newer)


# --- prod ---------------------------------------------------------------------------------------


def test_prod_opens_a_pull_request_that_only_moves_the_prod_pointer(pipeline):
    before = origin_refs(pipeline)
    result = release(pipeline, "prod", pipeline.tested)
    assert result.returncode == 0, result.stderr
    branch = f"promote/prod-{pipeline.tested[:12]}"
    after = origin_refs(pipeline)
    assert {k: v for k, v in after.items() if k != f"refs/heads/{branch}"} == before
    promote = after[f"refs/heads/{branch}"]
    origin = pipeline.origin
    # On top of main as it is now (not the tested commit), changing one file: the pointer.
    assert git(origin, "rev-parse", f"{promote}^") == pipeline.later
    assert git(origin, "diff", "--name-only", "main", promote).splitlines() == [VALUES["prod"]]
    removed, added = changed_lines(origin, "main", promote, VALUES["prod"])
    assert removed == ["release: {}"]
    assert added == pointer_lines(pipeline.tested, pipeline.images)
    # Once merged, prod's root (which follows main) renders exactly the tested release.
    apps = rendered_apps(origin, branch, "prod", pipeline.tmp)
    assert_runs_release(apps, "prod", pipeline.tested, pipeline.images)
    (create,) = [call for call in gh_calls(pipeline) if call[:2] == ["pr", "create"]]
    assert create[create.index("--base") + 1] == "main"
    assert create[create.index("--head") + 1] == branch


def test_prod_updates_the_open_pull_request_instead_of_opening_another(pipeline):
    assert release(pipeline, "prod", pipeline.tested).returncode == 0
    pipeline.gh_open.write_text("https://github.com/titanium-platform/titanium/pull/1\n")
    rebuilt = {service: digest(f"{service}-rebuilt") for service in SERVICES}
    write_digests(pipeline.digests, rebuilt)
    result = release(pipeline, "prod", pipeline.tested)
    assert result.returncode == 0, result.stderr
    assert len([call for call in gh_calls(pipeline) if call[:2] == ["pr", "create"]]) == 1
    apps = rendered_apps(
        pipeline.origin, f"promote/prod-{pipeline.tested[:12]}", "prod", pipeline.tmp
    )
    assert_runs_release(apps, "prod", pipeline.tested, rebuilt)
    assert origin_refs(pipeline)["refs/heads/main"] == pipeline.later


def merge_promotion(pipeline, sha: str) -> str:
    """A reviewer merges promote/prod-<sha12> into main: the merge commit, pushed."""
    work = pipeline.tmp / "work"
    git(work, "switch", "--quiet", "main")
    git(work, "pull", "--quiet", "--ff-only", "origin", "main")
    git(work, "fetch", "--quiet", "origin", f"promote/prod-{sha[:12]}")
    git(work, "merge", "--quiet", "--no-ff", "-m", f"Merge promotion of {sha[:12]}", "FETCH_HEAD")
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-parse", "HEAD")


def pull_requests_opened(pipeline) -> int:
    return len([call for call in gh_calls(pipeline) if call[:2] == ["pr", "create"]])


def test_merging_a_promotion_does_not_open_the_next_one(pipeline):
    # A merge pushes main, so the pipeline runs again for the merge commit. Prod runs `tested`;
    # the merge also brings `later` (merged while e2e ran), so that one is promoted in turn...
    assert release(pipeline, "prod", pipeline.tested).returncode == 0
    first_merge = merge_promotion(pipeline, pipeline.tested)
    result = release(pipeline, "prod", first_merge)
    assert result.returncode == 0, result.stderr
    assert pull_requests_opened(pipeline) == 2
    # ...but merging that one brings nothing but the pointer: no third pull request, no branch.
    second_merge = merge_promotion(pipeline, first_merge)
    before = origin_refs(pipeline)
    result = release(pipeline, "prod", second_merge)
    assert result.returncode == 0, result.stderr
    assert "nothing to promote" in result.stdout
    assert origin_refs(pipeline) == before and pull_requests_opened(pipeline) == 2


# --- refusals -----------------------------------------------------------------------------------


REFUSALS = {
    "a digest missing": lambda p: {s: d for s, d in p.images.items() if s != "webapp"},
    "a digest malformed": lambda p: {**p.images, "webapp": "sha256:" + "z" * 64},
    "a tag for a digest": lambda p: {**p.images, "webapp": "sha-" + p.tested},
    "an unknown service": lambda p: {**p.images, "web-app": digest("typo")},
}


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize("case", REFUSALS)
def test_a_release_with_wrong_digests_is_refused(pipeline, env, case):
    before = origin_refs(pipeline)
    digests = write_digests(pipeline.tmp / "wrong", REFUSALS[case](pipeline))
    result = release(pipeline, env, pipeline.tested, digests)
    assert result.returncode == 1 and "release refused" in result.stderr, result.stderr
    assert origin_refs(pipeline) == before and not gh_calls(pipeline)


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize("sha", ["unmerged", "unknown", "short", "branch"])
def test_a_commit_that_is_not_a_tested_commit_of_main_is_refused(pipeline, env, sha):
    commits = {
        "unmerged": pipeline.unmerged,
        "unknown": "f" * 40,
        "short": pipeline.tested[:12],
        "branch": "main",
    }
    before = origin_refs(pipeline)
    result = release(pipeline, env, commits[sha])
    assert result.returncode == 1 and "release refused" in result.stderr, result.stderr
    assert origin_refs(pipeline) == before and not gh_calls(pipeline)


# --- e2e on kind ----------------------------------------------------------------------------------

FAKE_TOOL = f"""#!{sys.executable}
import json, os, sys
tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({{"tool": tool, "args": args, "stdin": stdin,
                           "E2E_BASE_URL": os.environ.get("E2E_BASE_URL")}}) + "\\n")
if tool == "kind" and args[:1] == ["version"]:
    print("kind " + os.environ["FAKE_KIND_VERSION"] + " go1.22.9 linux/amd64")
elif tool == "kubectl" and "get" in args and "pod" in args:
    # The probe pods' exit codes, as the test sets them.
    name = args[args.index("pod") + 1]
    print(os.environ.get("FAKE_EXIT_" + name.upper().replace("-", "_"), ""), end="")
elif tool == "kubectl" and "get" in args and "secret" in args:
    sys.exit(1)  # a fresh cluster: no Secrets yet
elif tool == "kubectl" and "--dry-run=client" in args:
    print("apiVersion: v1\\nkind: Secret")
"""
FAKE_MAKE_SECRETS = """#!/usr/bin/env bash
echo "apiVersion: v1"
echo "kind: Secret"
"""


@pytest.fixture
def kind_e2e(tmp_path) -> SimpleNamespace:
    """A copy of the script's corner of the tree, fake tools on PATH, pushed digests on disk."""
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    for name in ("e2e-kind.sh", "build-image.sh", "kind-config.yaml"):
        shutil.copy2(ROOT / "scripts" / name, tree / "scripts" / name)
    (tree / "scripts" / "make-secrets.sh").write_text(FAKE_MAKE_SECRETS)
    (tree / "scripts" / "make-secrets.sh").chmod(0o755)
    (tree / "argocd" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "argocd" / "apps" / "values.yaml", tree / "argocd" / "apps" / "values.yaml")
    (tree / ".venv").symlink_to(ROOT / ".venv")
    # What a build reads: the one Dockerfile and each service's folder.
    shutil.copy2(ROOT / "Dockerfile", tree / "Dockerfile")
    for service in SERVICES:
        folder = service.replace("-", "_")
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("tests"))
    bin_dir = tmp_path / "fake-tools"
    bin_dir.mkdir()
    for tool in ("kind", "kubectl", "helm", "docker", "make", "sudo"):
        (bin_dir / tool).write_text(FAKE_TOOL)
        (bin_dir / tool).chmod(0o755)
    images = {service: digest(f"pushed-{service}") for service in SERVICES}
    log = tmp_path / "tools.log"
    return SimpleNamespace(
        script=tree / "scripts" / "e2e-kind.sh",
        images=images,
        log=log,
        env={
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "FAKE_KIND_VERSION": "v0.25.0",
            "DIGESTS": str(write_digests(tmp_path / "digests", images)),
            "REGISTRY_USER": "titanium-bot",
            "REGISTRY_TOKEN": "the-job-token",
            "FAKE_EXIT_NP_PROBE_ALLOWED": "0",
            "FAKE_EXIT_NP_PROBE_STRANGER": "1",
        },
    )


def run_e2e(kind_e2e, **env) -> tuple[subprocess.CompletedProcess, list[dict]]:
    result = subprocess.run(
        ["bash", str(kind_e2e.script)],
        env={**kind_e2e.env, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    calls = [json.loads(line) for line in kind_e2e.log.read_text().splitlines()]
    return result, calls


def sets(call: dict) -> list[str]:
    args = call["args"]
    return [args[i + 1] for i, arg in enumerate(args) if arg == "--set"]


def test_e2e_runs_exactly_the_pushed_digests_and_builds_nothing(kind_e2e):
    result, calls = run_e2e(kind_e2e)
    assert result.returncode == 0, result.stderr
    assert not [c for c in calls if c["tool"] == "docker" and "build" in c["args"]]
    assert not [c for c in calls if c["tool"] == "kind" and "load" in c["args"]]
    installs = {
        c["args"][2]: sets(c)
        for c in calls
        if c["tool"] == "helm"
        and c["args"][:2] == ["upgrade", "--install"]
        and c["args"][2] in SERVICES
    }
    assert set(installs) == set(SERVICES)
    for service, values in installs.items():
        assert f"image.digest={kind_e2e.images[service]}" in values, service
        assert "imagePullSecrets[0].name=registry-pull" in values, service
        assert not [v for v in values if v.startswith("image.tag=")], service
    # The pull Secret holds the job's token, which never appears on a command line.
    (secret,) = [
        c
        for c in calls
        if c["tool"] == "kubectl"
        and "docker" not in c["args"]
        and ".dockerconfigjson=/dev/stdin" in " ".join(c["args"])
    ]
    auth = json.loads(secret["stdin"])["auths"]["ghcr.io"]["auth"]
    assert base64.b64decode(auth).decode() == "titanium-bot:the-job-token"
    assert not [c for c in calls if any("the-job-token" in arg for arg in c["args"])]
    # The suites run last, through the ingress.
    assert calls[-1]["tool"] == "make" and calls[-1]["args"] == ["e2e"]
    assert calls[-1]["E2E_BASE_URL"] == "http://titanium.local"


def test_e2e_on_a_laptop_builds_every_service_from_the_one_dockerfile(kind_e2e):
    del kind_e2e.env["DIGESTS"]  # no pushed images: the script builds them
    result, calls = run_e2e(kind_e2e, IMAGE_TAG="laptop")
    assert result.returncode == 0, result.stderr
    images = {s: f"ghcr.io/titanium-platform/titanium-{s}:laptop" for s in SERVICES}
    builds = {
        c["args"][c["args"].index("--tag") + 1]: c["args"]
        for c in calls
        if c["tool"] == "docker" and c["args"][:2] == ["buildx", "build"]
    }
    assert set(builds) == set(images.values())
    for service, image in images.items():
        args = builds[image]
        assert args[args.index("--file") + 1] == "Dockerfile", service
        assert args[args.index("--build-arg") + 1] == f"SERVICE={service.replace('-', '_')}"
        assert args[-1] == ".", "the context is the repository root"
    loaded = [c["args"] for c in calls if c["tool"] == "kind" and c["args"][:1] == ["load"]]
    assert sorted(loaded) == sorted(
        ["load", "docker-image", "--name", "titanium-e2e", image] for image in images.values()
    )
    installs = {
        c["args"][2]: sets(c)
        for c in calls
        if c["tool"] == "helm" and c["args"][:2] == ["upgrade", "--install"]
    }
    for service in SERVICES:
        assert "image.tag=laptop" in installs[service], service
    assert not [c for c in calls if c["tool"] == "docker" and "push" in c["args"]]


def test_e2e_stops_before_the_suites_when_network_policy_is_not_enforced(kind_e2e):
    result, calls = run_e2e(kind_e2e, FAKE_EXIT_NP_PROBE_STRANGER="0")
    assert result.returncode != 0
    assert "NetworkPolicy is not enforced" in result.stderr
    assert ["e2e"] not in [c["args"] for c in calls if c["tool"] == "make"]
    # The probe that got through ran outside the mesh with no label any policy allows.
    (stranger,) = [
        c
        for c in calls
        if c["tool"] == "kubectl" and "apply" in c["args"] and "np-probe-stranger" in c["stdin"]
    ]
    pod = yaml.safe_load(stranger["stdin"])
    assert pod["metadata"]["labels"] == {
        "app.kubernetes.io/name": "np-probe",
        "sidecar.istio.io/inject": "false",
    }
    assert pod["spec"]["containers"][0]["image"].endswith("@" + kind_e2e.images["webapp"])


def test_e2e_proves_nothing_when_even_the_allowed_caller_is_refused(kind_e2e):
    result, calls = run_e2e(kind_e2e, FAKE_EXIT_NP_PROBE_ALLOWED="1")
    assert result.returncode != 0 and "nothing proven" in result.stderr
    assert ["e2e"] not in [c["args"] for c in calls if c["tool"] == "make"]


def test_e2e_refuses_a_kind_that_enforces_no_network_policy(kind_e2e):
    result, calls = run_e2e(kind_e2e, FAKE_KIND_VERSION="v0.23.0")
    assert result.returncode != 0 and "does not enforce NetworkPolicy" in result.stderr
    assert not [c for c in calls if c["tool"] == "kind" and "create" in c["args"]]
