"""Images: one Dockerfile builds every service, its build argument SERVICE naming the service.

Checked offline: the base is pulled once, pinned by version and digest; the build of each service
finds its inputs in the context (.dockerignore) and installs its locks by hash; the runtime stage
holds the venv and the service's gunicorn settings only and runs as a numeric non-root user. The
runtime stage is then replayed for each service on this machine (its WORKDIR, COPY, ENV and
commands, with the service packages of .venv standing in for the image's venv): the CMD must
load the service's app and bind it where the chart sends traffic, and the HEALTHCHECK must report
the service's health. hadolint and checkov pass. `make test-images` builds and runs the images.
"""

import http.server
import importlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import threading

import pytest

from tests.delivery.conftest import ROOT, SERVICE_CHART, TOOLS_BIN, load_yaml, run_tool
from titanium_common.settings import REQUIRED

DOCKERFILE = ROOT / "Dockerfile"
VENV_BIN = ROOT / ".venv" / "bin"
PACKAGES = ("api_gateway", "webapp", "auth_service", "user_service")
PINNED_BASE = re.compile(
    r"^(?P<image>[a-z0-9./-]+):(?P<tag>\d+\.\d+\.\d+[A-Za-z0-9.-]*)@sha256:[a-f0-9]{64}$"
)
UID = 10001


def instructions() -> list[tuple[str, str]]:
    """(keyword, arguments) of each instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [tuple(line.split(maxsplit=1)) for line in lines if line and not line.startswith("#")]


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions by stage name, in order."""
    found: dict[str, list[tuple[str, str]]] = {}
    current = None
    for keyword, arguments in instructions():
        if keyword == "FROM":
            current = found.setdefault(arguments.split()[-1], [(keyword, arguments)])
        elif current is not None:
            current.append((keyword, arguments))
    return found


def parents(stage: str) -> list[str]:
    """The stage and the earlier stages it is built FROM, the earliest first."""
    chain, by_name = [stage], stages()
    while (base := by_name[chain[0]][0][1].split()[0]) in by_name:
        chain.insert(0, base)
    return chain


def expand(text: str, package: str) -> str:
    """The build argument substituted as the builder does (other variables are left alone)."""
    return re.sub(r"\$\{SERVICE\}|\$SERVICE\b", package, text)


def of(stage: str, keyword: str, package: str) -> list[str]:
    return [expand(args, package) for kw, args in stages()[stage] if kw == keyword]


def image_env(package: str) -> dict[str, str]:
    """The ENV the runtime image carries (its own and its base stages'), but PATH."""
    env = {}
    for stage in parents("runtime"):
        for line in of(stage, "ENV", package):
            env.update(word.split("=", 1) for word in shlex.split(line))
    env.pop("PATH", None)
    return env


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps the path (or a folder holding it) out of the build context."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pattern = re.escape(line.strip().strip("/")).replace(r"\*\*/", "(?:.*/)?")
            rules.append(re.compile(pattern.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")))
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(rule.fullmatch(prefix) for rule in rules for prefix in prefixes)


# --- the file ---------------------------------------------------------------------------------


def test_one_pinned_base_is_pulled_and_every_stage_builds_on_it():
    (pulled,) = [args.split()[0] for args in of("base", "FROM", "")]
    assert PINNED_BASE.match(pulled), f"base not pinned by exact version and digest: {pulled}"
    assert "slim" in pulled, "the runtime starts from a slim base"
    assert {"build", "runtime"} <= set(stages()), "multi-stage: a build and a runtime stage"
    for stage in stages():
        assert parents(stage)[0] == "base", f"{stage} pulls a base of its own"


def test_runtime_stage_runs_as_numeric_non_root_user():
    (user,) = of("runtime", "USER", "")
    assert user == f"{UID}:{UID}", "numeric UID and GID above the host's range"


@pytest.mark.parametrize("package", PACKAGES)
def test_runtime_stage_holds_only_the_venv_and_the_service_gunicorn_settings(package):
    assert of("runtime", "COPY", package) == [
        "--from=build /opt/venv /opt/venv",
        f"{package}/gunicorn.conf.py /app/gunicorn.conf.py",
    ]
    assert not [run for run in of("runtime", "RUN", package) if "pip" in run], "installs at runtime"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_build_of_every_service_finds_its_inputs_in_the_context(package):
    sources = [
        source
        for stage in ("build", "runtime")
        for copy in of(stage, "COPY", package)
        if not copy.startswith("--from=")
        for source in copy.split()[:-1]
    ]
    assert f"{package}/" in sources and f"requirements/{package}.txt" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"SERVICE={package}: {source} is not in the repository"
        assert not dockerignored(source), f"SERVICE={package}: .dockerignore leaves out {source}"


@pytest.mark.parametrize("package", PACKAGES)
def test_requirements_are_installed_by_hash_exactly_as_locked(package):
    installs = [
        command
        for run in of("build", "RUN", package)
        for command in run.split("&&")
        if "pip install" in command
    ]
    locks = [command for command in installs if " -r " in command]
    assert {re.search(r"-r \"?(\S+?)\"?(?:\s|$)", c)[1] for c in locks} == {
        "requirements/build.txt",
        f"requirements/{package}.txt",
    }
    for command in locks:
        # The locks are complete: pip's own resolver would look past a pin (coverage[toml]).
        assert "--require-hashes" in command and "--no-deps" in command, command
    for command in set(installs) - set(locks):
        # Our own packages: from the build backend already installed, nothing fetched.
        assert "--no-index" in command and "--no-build-isolation" in command, command


def test_a_build_without_a_service_stops_with_a_message():
    (guard,) = [run for run in of("build", "RUN", "$SERVICE") if "--build-arg SERVICE" in run]
    unnamed = subprocess.run(
        ["sh", "-c", guard], env={"SERVICE": ""}, capture_output=True, text=True, check=False
    )
    assert unnamed.returncode != 0 and "--build-arg SERVICE=" in unnamed.stderr
    named = subprocess.run(["sh", "-c", guard], env={"SERVICE": "webapp"}, check=False)
    assert named.returncode == 0


def test_dockerignore_keeps_secrets_and_bulk_out_of_the_context():
    for path in (".git", ".env", ".env.local", ".venv", "var", "e2e", "terraform"):
        assert dockerignored(path), f".dockerignore misses {path}"
    assert dockerignored("webapp/webapp/__pycache__/app.cpython-311.pyc")
    assert dockerignored("auth_service/tests/conftest.py")
    for needed in ("requirements/build.txt", "common/pyproject.toml", *PACKAGES):
        assert not dockerignored(needed), f"{needed} is needed in the build context"


def test_hadolint_is_clean():
    result = run_tool([str(TOOLS_BIN / "hadolint"), "--failure-threshold", "info", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_passes_the_dockerfile():
    args = [str(TOOLS_BIN / "checkov"), "--skip-download", "--quiet", "--compact"]
    args += ["--framework", "dockerfile", "-o", "json", "-f", str(DOCKERFILE)]
    report = json.loads(run_tool(args).stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check['file_path']}"
        for item in reports
        for check in item["results"]["failed_checks"]
    ]
    assert not failed, failed
    assert sum(item["summary"]["passed"] for item in reports) > 0, "checkov checked nothing"


# --- the runtime stage, replayed for each service ---------------------------------------------


@pytest.fixture
def runtime(tmp_path):
    """What the runtime stage makes of a service: its WORKDIR with the COPYs from the context,
    and the environment its commands run in (the image's ENV, and a setting for each secret the
    platform must provide; a database and metrics of its own under tmp_path)."""

    def replay(package: str, **env: str) -> tuple:
        (workdir,) = of("runtime", "WORKDIR", package)
        app = tmp_path / workdir.lstrip("/")
        app.mkdir(parents=True)
        for copy in of("runtime", "COPY", package):
            if not copy.startswith("--from="):  # the venv: .venv stands in for it
                source, target = copy.split()
                shutil.copy(ROOT / source, tmp_path / target.lstrip("/"))
        declared = importlib.import_module(f"{package}.settings").SETTINGS
        required = [setting.name for setting in declared if setting.default is REQUIRED]
        environ = {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            **image_env(package),
            **{
                name: str(tmp_path) if name.endswith("_DIR") else secrets.token_hex(32)
                for name in required
            },
            "TITANIUM_VAR_DIR": str(tmp_path),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
            **env,
        }
        return app, environ

    return replay


def chart_port(package: str) -> int:
    values = load_yaml(SERVICE_CHART / "values" / f"{package.replace('_', '-')}.yaml")
    return values["service"]["port"]


def chart_ports(package: str) -> list[int]:
    """The Service's port, then its internal one (readiness, metrics) where it has one."""
    values = load_yaml(SERVICE_CHART / "values" / f"{package.replace('_', '-')}.yaml")
    return [
        port for port in (values["service"]["port"], values["service"].get("internalPort")) if port
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_the_image_command_serves_the_service_where_the_chart_sends_traffic(package, runtime):
    """The CMD (gunicorn and the service's gunicorn.conf.py, nothing else) loads the service's
    app and, with no HOST or PORT from the platform (the chart sets neither), binds every
    interface on the ports of the chart's Service and containerPorts."""
    app, environ = runtime(package)
    (cmd,) = of("runtime", "CMD", package)
    command = json.loads(cmd)
    assert command[0] == "gunicorn"
    result = subprocess.run(
        [*command, "--print-config"],  # loads the app as the server would, then exits
        cwd=app,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    config = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
    )
    assert config["bind"] == str([f"0.0.0.0:{port}" for port in chart_ports(package)])
    assert re.match(rf"{package}[.:]", config["wsgi_app"]), config["wsgi_app"]


class Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    """A stand-in server answering /healthz with `server.RequestHandlerClass.status`."""
    handler = type("Handler", (Health,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("package", PACKAGES)
def test_the_healthcheck_reports_the_service_health(package, runtime, health_server):
    (healthcheck,) = of("runtime", "HEALTHCHECK", package)
    options, _, command = healthcheck.partition(" CMD ")
    assert "--timeout=" in options
    port = str(health_server.server_address[1])
    app, environ = runtime(package, PORT=port)

    def check() -> int:
        result = subprocess.run(
            json.loads(command), cwd=app, env=environ, capture_output=True, check=False, timeout=10
        )
        return result.returncode

    assert check() == 0
    health_server.RequestHandlerClass.status = 503
    assert check() != 0, "an unhealthy service passed its HEALTHCHECK"
    health_server.shutdown()
    health_server.server_close()
    assert check() != 0, "a service that does not answer passed its HEALTHCHECK"
