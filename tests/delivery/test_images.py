"""Images: every service's Dockerfile is multi-stage, pinned by version and digest, runs as a
numeric non-root user on a read-only root filesystem, starts gunicorn, has a HEALTHCHECK, and
passes hadolint and checkov; the root .dockerignore keeps the context small and secret-free."""

import json
import re

import pytest

from tests.delivery.conftest import ROOT, TOOLS_BIN, run_tool

PACKAGES = ("api_gateway", "webapp", "auth_service", "user_service")
PINNED_BASE = re.compile(
    r"^FROM (?P<image>[a-z0-9./-]+):(?P<tag>\d+\.\d+\.\d+[A-Za-z0-9.-]*)@sha256:[a-f0-9]{64}"
    r"(?: AS (?P<stage>[a-z-]+))?$"
)
APP_MODULE = {
    "api_gateway": "api_gateway.app:create_app()",
    "webapp": "webapp:create_app()",
    "auth_service": "auth_service:create_app()",
    "user_service": "user_service:create_app()",
}


def dockerfile(package: str) -> str:
    return (ROOT / package / "Dockerfile").read_text()


def instructions(text: str) -> list[str]:
    """Instructions with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


def final_stage(text: str) -> list[str]:
    lines = instructions(text)
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from:]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_stage_is_a_pinned_base_and_there_are_two(package):
    froms = [line for line in instructions(dockerfile(package)) if line.startswith("FROM ")]
    assert len(froms) >= 2, "multi-stage: a build stage and a runtime stage"
    for line in froms:
        assert PINNED_BASE.match(line), f"base not pinned by exact version and digest: {line}"
    assert "slim" in froms[-1], "the runtime stage starts from a slim base"


@pytest.mark.parametrize("package", PACKAGES)
def test_runtime_stage_runs_as_numeric_non_root_user(package):
    users = [line for line in final_stage(dockerfile(package)) if line.startswith("USER ")]
    assert users, "the runtime stage switches to a user"
    uid, _, gid = users[-1].split()[1].partition(":")
    assert uid.isdigit() and int(uid) >= 10000, "numeric UID above the host's range"
    assert gid.isdigit() and int(gid) >= 10000


@pytest.mark.parametrize("package", PACKAGES)
def test_runtime_stage_holds_only_the_venv_and_gunicorn_settings(package):
    stage = final_stage(dockerfile(package))
    copies = [line for line in stage if line.startswith("COPY ")]
    assert "COPY --from=build /opt/venv /opt/venv" in copies
    assert all(
        "--from=build" in line or line.split()[1] == f"{package}/gunicorn.conf.py"
        for line in copies
    ), copies
    assert not [line for line in stage if line.startswith("RUN pip")], "no installs at runtime"


@pytest.mark.parametrize("package", PACKAGES)
def test_requirements_are_installed_by_hash(package):
    text = dockerfile(package)
    assert f"--require-hashes -r requirements/{package}.txt" in text
    assert (ROOT / "requirements" / f"{package}.txt").is_file()


@pytest.mark.parametrize("package", PACKAGES)
def test_entrypoint_is_gunicorn_with_healthcheck(package):
    stage = final_stage(dockerfile(package))
    cmd = next(line for line in stage if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == ["gunicorn", "-c", "gunicorn.conf.py", APP_MODULE[package]]
    healthcheck = [line for line in stage if line.startswith("HEALTHCHECK ")]
    assert healthcheck and "/healthz" in healthcheck[0]
    assert any(line.startswith("ENV ") and "PYTHONUNBUFFERED=1" in line for line in stage)
    # Nothing but /tmp is written: no bytecode next to the code on a read-only filesystem.
    assert any(line.startswith("ENV ") and "PYTHONDONTWRITEBYTECODE=1" in line for line in stage)


def test_dockerignore_keeps_secrets_and_bulk_out_of_the_context():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".git", ".env", ".env.*", ".venv", "var", "e2e", "terraform", "**/__pycache__"):
        assert entry in ignored, f".dockerignore misses {entry}"
    for needed in ("requirements", "common", *PACKAGES):
        assert needed not in ignored, f"{needed} is needed in the build context"


def test_hadolint_is_clean():
    files = [str(ROOT / package / "Dockerfile") for package in PACKAGES]
    result = run_tool([str(TOOLS_BIN / "hadolint"), "--failure-threshold", "info", *files])
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_passes_every_dockerfile():
    args = [str(TOOLS_BIN / "checkov"), "--skip-download", "--quiet", "--compact"]
    args += ["--framework", "dockerfile", "-o", "json"]
    for package in PACKAGES:
        args += ["-f", str(ROOT / package / "Dockerfile")]
    result = run_tool(args)
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check['file_path']}"
        for item in reports
        for check in item["results"]["failed_checks"]
    ]
    assert not failed, failed
    assert sum(item["summary"]["passed"] for item in reports) > 0, "checkov checked nothing"
