"""Dependencies: the locks install on every Python 3.11.x (the images build on Debian 12's 3.11.2)
and on every machine, our own packages build from a hashed build backend alone, and Renovate's
config keeps every pinned thing current.

The dependency metadata comes from uv's cache (`make lock` fills it; a machine without it asks the
index once), and the build runs offline in a fresh virtualenv holding only what
requirements/build.txt pins.
"""

import functools
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import hcl2
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.delivery.conftest import ROOT, TOOLS_BIN, run_tool

REQUIREMENTS = ROOT / "requirements"
LOCKS = sorted(REQUIREMENTS.glob("*.txt"))
BUILD_LOCK = REQUIREMENTS / "build.txt"
UV = ROOT / ".venv" / "bin" / "uv"
# Everything we build into an image: the shared library and the four services.
PROJECTS = ("common", "api_gateway", "auth_service", "user_service", "webapp")
# Debian 12's python3.11 (what the images build on here) and the Python the locks were made with.
PYTHONS = ("3.11.2", "3.11.7")
MACHINES = ("x86_64", "aarch64")
RENOVATE_CONFIG = ROOT / "renovate.json"
RENOVATE_SCHEMA = "vendor.renovate"


# ---------------------------------------------------------------------------------------------
# Lock files as pip reads them
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pin:
    requirement: Requirement
    hashes: tuple[str, ...]

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> str | None:
        specs = list(self.requirement.specifier)
        if len(specs) == 1 and specs[0].operator == "==":
            return specs[0].version
        return None

    def applies(self, environment: dict) -> bool:
        marker = self.requirement.marker
        return marker is None or marker.evaluate(environment)


def logical_lines(text: str) -> list[str]:
    """pip's view of a requirements file: continuations joined, comments dropped."""
    joined = re.sub(r"\\\r?\n", " ", text)
    lines = []
    for line in joined.splitlines():
        line = re.sub(r"(^|\s+)#.*$", "", line).strip()
        if line:
            lines.append(line)
    return lines


def parse_lock(text: str) -> tuple[list[str], list[Pin]]:
    """(option lines such as --find-links, requirements with their hashes)."""
    options, pins = [], []
    for line in logical_lines(text):
        if line.startswith("-"):
            options.append(line)
            continue
        requirement, *hashes = re.split(r"\s+--hash[=\s]", line)
        pins.append(Pin(Requirement(requirement), tuple(hashes)))
    return options, pins


@functools.cache
def lock_pins(path: Path) -> tuple[Pin, ...]:
    return tuple(parse_lock(path.read_text())[1])


def environment(python: str, machine: str) -> dict:
    """PEP 508 marker values of CPython `python` on Linux (what the images run)."""
    return {
        "implementation_name": "cpython",
        "implementation_version": python,
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": "linux",
    }


def installed_set(pins, env: dict) -> dict[str, str]:
    """What pip installs from these pins in `env`: name -> version."""
    chosen: dict[str, set[str]] = {}
    for pin in pins:
        if pin.applies(env):
            chosen.setdefault(pin.name, set()).add(pin.version)
    ambiguous = {name: versions for name, versions in chosen.items() if len(versions) > 1}
    assert not ambiguous, f"two pins of one package apply at once: {ambiguous}"
    return {name: versions.pop() for name, versions in chosen.items()}


def run_uv(args: list[str], stdin: str) -> subprocess.CompletedProcess:
    """uv from the cache only; on a machine whose cache lacks some metadata (no `make lock` yet)
    it falls back to the index once, which fills the cache for the next run."""
    env = {**os.environ, "UV_NO_CONFIG": "1"}
    for name in ("UV_CONSTRAINT", "UV_OVERRIDE", "UV_FIND_LINKS", "UV_EXTRA_INDEX_URL"):
        env.pop(name, None)
    command = [str(UV), *args]
    result = subprocess.run(
        [*command, "--offline"], input=stdin, capture_output=True, text=True, env=env, check=False
    )
    if result.returncode and "network" in result.stderr.lower():
        result = subprocess.run(
            [*command, "--native-tls"],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    return result


@functools.cache
def declared_needs(path: Path, python: str) -> tuple[Pin, ...]:
    """Everything the lock's pinned packages need from `python` on, read from their own metadata.

    uv resolves exactly the lock's pins (each one `==`, with its marker) for every Python from
    `python` on, and adds whatever those packages declare that the lock lacks, each with the
    marker under which it is needed (redis: async-timeout on python_full_version < 3.11.3).
    A pin whose Requires-Python excludes `python` makes the resolution fail.
    """
    requirements = "\n".join(str(pin.requirement) for pin in lock_pins(path))
    result = run_uv(
        [
            "pip",
            "compile",
            "-",
            "--universal",
            f"--python-version={python}",
            # Any interpreter will do for metadata; naming one spares the search for a `python`.
            f"--python={sys.executable}",
            "--no-header",
            "--no-annotate",
            "--quiet",
        ],
        requirements,
    )
    assert result.returncode == 0, f"{path.name} does not install on {python}:\n{result.stderr}"
    return tuple(parse_lock(result.stdout)[1])


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_lock_names_no_index_or_local_path(lock):
    """A lock means the same on every machine: no index or find-links option (pip obeys them
    inside a requirements file), no file: URL, no path of the machine that compiled it."""
    text = lock.read_text()
    options, pins = parse_lock(text)
    assert not options, f"{lock.name} carries pip options: {options}"
    assert not [pin for pin in pins if pin.requirement.url], "direct references in the lock"
    assert "file:" not in text
    absolute = re.findall(r"(?<![\w.:/-])/(?:[\w.-]+/)*[\w.-]+", text)
    assert not absolute, f"{lock.name} names local paths: {absolute}"


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_every_pin_is_exact_and_hashed(lock):
    """What `pip install --require-hashes` demands of every line."""
    loose = [str(pin.requirement) for pin in lock_pins(lock) if not pin.version or not pin.hashes]
    assert not loose, f"{lock.name}: not pinned with == and hashes: {loose}"


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_lock_installs_on_every_python_3_11(lock, python):
    """On `python`, every package the lock installs finds each dependency it declares pinned in
    the same lock at the same version; otherwise pip --require-hashes stops ("all requirements
    must have their versions pinned with ==")."""
    for machine in MACHINES:
        env = environment(python, machine)
        pinned = installed_set(lock_pins(lock), env)
        needed = installed_set(declared_needs(lock, python), env)
        missing = {name: version for name, version in needed.items() if name not in pinned}
        assert not missing, f"{lock.name} on Python {python} ({machine}) lacks {missing}"
        differ = {name: (pinned[name], v) for name, v in needed.items() if pinned[name] != v}
        assert not differ, f"{lock.name} on Python {python} ({machine}): {differ}"


@pytest.mark.parametrize(
    "lock",
    [path for path in LOCKS if path.name not in ("dev.txt", "tools.txt")],
    ids=lambda path: path.name,
)
def test_every_lock_pins_what_dev_pins(lock):
    """Services, e2e and the build backend run the versions the test suites ran on (dev.txt)."""
    dev = {}
    for pin in lock_pins(REQUIREMENTS / "dev.txt"):
        dev.setdefault(pin.name, set()).add(pin.version)
    differ = {
        pin.name: (pin.version, dev.get(pin.name))
        for pin in lock_pins(lock)
        if pin.version not in dev.get(pin.name, set())
    }
    assert not differ, f"{lock.name} pins other versions than dev.txt: {differ}"


# ---------------------------------------------------------------------------------------------
# The build backend: the images build our packages with --no-build-isolation from build.txt
# ---------------------------------------------------------------------------------------------
def build_system(project: str) -> dict:
    return tomllib.loads((ROOT / project / "pyproject.toml").read_text())["build-system"]


@pytest.mark.parametrize("project", PROJECTS)
def test_build_lock_satisfies_the_build_system(project):
    """build.txt pins, with hashes, a version of every build requirement that its specifier
    accepts, and the distribution that provides the build backend."""
    pins = lock_pins(BUILD_LOCK)
    assert pins and all(pin.hashes for pin in pins)
    system = build_system(project)
    for python in PYTHONS:
        env = environment(python, "x86_64")
        pinned = installed_set(pins, env)
        for text in system["requires"]:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(env):
                continue
            version = pinned.get(canonicalize_name(requirement.name))
            assert version, f"{project} builds with {text}: build.txt does not pin it"
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{project} builds with {text}; build.txt pins {version}"
            )
    backend_root = system["build-backend"].partition(":")[0].split(".")[0]
    providers = importlib.metadata.packages_distributions().get(backend_root, [])
    assert {canonicalize_name(dist) for dist in providers} & {pin.name for pin in pins}, (
        f"no pin of build.txt provides the backend {system['build-backend']}"
    )


@pytest.fixture(scope="module")
def build_env(tmp_path_factory) -> Path:
    """A virtualenv holding the standard library and exactly the distributions build.txt pins,
    copied from the installed .venv (which dev.txt pins to the same versions): what the image's
    build stage has after `pip install --require-hashes -r requirements/build.txt`."""
    venv = tmp_path_factory.mktemp("build-env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for pin in lock_pins(BUILD_LOCK):
        dist = importlib.metadata.distribution(pin.name)
        assert dist.version == pin.version, (
            f"the .venv has {pin.name} {dist.version}, build.txt pins {pin.version}: make install"
        )
        for file in dist.files or []:
            if file.parts[0] == "..":  # console scripts: a build needs none
                continue
            target = Path(site) / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dist.locate_file(file), target)
    return python


BUILD_PROBE = """
import importlib, importlib.metadata as md, json, sys, sysconfig
backend_name, out = sys.argv[1:3]  # setuptools rewrites sys.argv while it runs
site = sysconfig.get_path("purelib")  # setuptools puts its vendored copies on sys.path too
backend = importlib.import_module(backend_name)
requires = backend.get_requires_for_build_wheel()
wheel = backend.build_wheel(out)
print(json.dumps({"requires": requires, "wheel": wheel,
                  "dists": sorted(d.metadata["Name"] for d in md.distributions(path=[site]))}))
"""


@pytest.mark.parametrize("project", PROJECTS)
def test_project_builds_from_the_build_lock_alone(project, build_env, tmp_path):
    """The PEP 517 hooks pip calls under --no-build-isolation, run offline in an environment that
    holds nothing but build.txt: they ask for nothing more (setuptools >= 70.1 needs no `wheel`)
    and produce the project's wheel."""
    source = tmp_path / project
    shutil.copytree(
        ROOT / project,
        source,
        ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", ".*"),
    )
    out = tmp_path / "wheels"
    out.mkdir()
    result = subprocess.run(
        [str(build_env), "-I", "-c", BUILD_PROBE, build_system(project)["build-backend"], str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    pinned = {pin.name for pin in lock_pins(BUILD_LOCK)}
    assert {canonicalize_name(name) for name in report["dists"]} == pinned
    extra = [
        text
        for text in report["requires"]
        if canonicalize_name(Requirement(text).name) not in pinned
    ]
    assert not extra, f"{project}'s backend also asks for {extra}: pin them in build.in"
    project_name = tomllib.loads((ROOT / project / "pyproject.toml").read_text())["project"]["name"]
    assert report["wheel"].startswith(project_name.replace("-", "_") + "-")
    assert (out / report["wheel"]).is_file()


# ---------------------------------------------------------------------------------------------
# Renovate: a valid config whose managers reach every pinned thing in the repository
# ---------------------------------------------------------------------------------------------
def renovate_config() -> dict:
    return json.loads(RENOVATE_CONFIG.read_text())


@functools.cache
def renovate_schema() -> dict:
    """Renovate's JSON schema as check-jsonschema vendors it (x-renovate-version names the
    release). It also holds every manager's documented default managerFilePatterns."""
    found = sorted(
        (TOOLS_BIN.parent / "lib").glob(
            "python3*/site-packages/check_jsonschema/builtin_schemas/vendor/renovate.json"
        )
    )
    assert found, "check-jsonschema is not in .venv-tools: make install"
    return json.loads(found[-1].read_text())


@functools.cache
def repo_files() -> tuple[str, ...]:
    """What Renovate sees: tracked files (and new ones not ignored), as repository paths."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return tuple(sorted({path for path in listed if path and (ROOT / path).is_file()}))


def js_regex(pattern: str) -> re.Pattern:
    """A Renovate (JavaScript/RE2) regex in Python's dialect: named groups are (?P<name>...)."""
    return re.compile(re.sub(r"\(\?<(?![=!])", "(?P<", pattern))


def glob_regex(pattern: str) -> str:
    """minimatch as Renovate calls it (dot: true): ** spans folders, * and ? stay in one."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "{":
            end = pattern.index("}", i)
            out.append(f"(?:{'|'.join(glob_regex(p) for p in pattern[i + 1 : end].split(','))})")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def pattern_matches(pattern: str, path: str) -> bool:
    """Renovate's matchRegexOrGlob: /.../ is a regex searched in the path, anything else a glob."""
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        return js_regex(pattern[1:-1]).search(path) is not None
    return re.fullmatch(glob_regex(pattern), path) is not None


def manager_enabled(manager: str, config: dict) -> bool:
    if "enabledManagers" in config and manager not in config["enabledManagers"]:
        return False
    return config.get(manager, {}).get("enabled", True)


def ignored(path: str, config: dict) -> bool:
    return any(pattern_matches(pattern, path) for pattern in config.get("ignorePaths", []))


def managed_by(manager: str) -> set[str]:
    """Files a built-in manager reads: Renovate's default managerFilePatterns for it plus the
    config's own (a config extends the defaults), minus ignorePaths."""
    config = renovate_config()
    if not manager_enabled(manager, config):
        return set()
    default = renovate_schema()["definitions"][manager]["default"]
    patterns = [*default.get("managerFilePatterns", [])]
    patterns += config.get(manager, {}).get("managerFilePatterns", [])
    return {
        path
        for path in repo_files()
        if not ignored(path, config) and any(pattern_matches(p, path) for p in patterns)
    }


TEMPLATE = re.compile(r"\{\{\{?\s*(?:replace\s+'([^']*)'\s+'([^']*)'\s+)?(\w+)\s*\}\}\}?")


def render(template: str, groups: dict) -> str:
    """The Handlebars a regex manager's templates use here: {{{field}}} and Renovate's
    {{{replace 'find' 'with' field}}}."""

    def substitute(match: re.Match) -> str:
        find, replacement, field = match.groups()
        value = groups.get(field, "")
        return value if find is None else re.sub(find, replacement, value)

    return TEMPLATE.sub(substitute, template)


def custom_extract(path: str) -> list[dict]:
    """The dependencies Renovate's custom regex managers find in a file (strategy "any": every
    match of every matchString is one dependency; templates fill in or override the groups)."""
    config = renovate_config()
    if not manager_enabled("custom.regex", config) or ignored(path, config):
        return []
    text = (ROOT / path).read_text()
    deps = []
    for manager in config.get("customManagers", []):
        if manager.get("customType") != "regex":
            continue
        if not any(pattern_matches(p, path) for p in manager.get("managerFilePatterns", [])):
            continue
        for match_string in manager["matchStrings"]:
            for match in js_regex(match_string).finditer(text):
                groups = {k: v for k, v in match.groupdict().items() if v is not None}
                dep = {}
                for field in ("depName", "currentValue", "registryUrl", "datasource"):
                    template = manager.get(f"{field}Template")
                    if template:
                        dep[field] = render(template, groups)
                    elif field in groups:
                        dep[field] = groups[field]
                deps.append(dep)
    return deps


def unknown_options(config: dict, schema: dict) -> list[str]:
    """Keys Renovate does not know (the schema lets them through; Renovate ignores them)."""
    definitions, top = schema["definitions"], schema["properties"]
    unknown = []

    def walk(obj: dict, allowed: dict, where: str) -> None:
        for key, value in obj.items():
            if key == "$schema":
                continue
            if key not in allowed:
                unknown.append(where + key)
            elif isinstance(value, dict) and definitions.get(key, {}).get("$ref") == "#":
                # A manager or update-type object: any option, plus its own (managerFilePatterns).
                own = definitions[key].get("allOf", [{}])[0].get("properties", {})
                walk(value, {**top, **own}, f"{where}{key}.")
            elif key in ("packageRules", "customManagers"):
                items = definitions[key]["items"]["allOf"][0]["properties"]
                for index, item in enumerate(value):
                    walk(item, items, f"{where}{key}[{index}].")

    walk(config, top, "")
    return unknown


def test_renovate_config_passes_renovates_schema(tmp_path):
    check = [str(TOOLS_BIN / "check-jsonschema"), "--builtin-schema", RENOVATE_SCHEMA]
    result = run_tool([*check, str(RENOVATE_CONFIG)])
    assert result.returncode == 0, result.stdout + result.stderr
    # The validator is live: the same config with a malformed schedule is refused.
    broken = tmp_path / "renovate.json"
    broken.write_text(json.dumps({**renovate_config(), "schedule": 5}))
    assert run_tool([*check, str(broken)]).returncode == 1


def test_renovate_config_uses_only_options_renovate_knows():
    assert not unknown_options(renovate_config(), renovate_schema())


DOCKER_FROM = re.compile(
    r"^FROM\s+(?:--platform=\S+\s+)?(?P<image>[^\s:@]+(?::\d+/[^\s:@]+)?)"
    r"(?::(?P<tag>[^\s@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?(?:\s+AS\s+(?P<stage>\S+))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def lock_header_args(lock: Path) -> list[str]:
    """The command in a lock's header, split like a shell does (Renovate's constraintLineRegex)."""
    match = re.match(
        r"^(?:#.*?\r?\n)+# {4}(?P<command>\S*)(?P<arguments> .*?)?\r?\n", lock.read_text()
    )
    assert match, f"{lock.name} has no compile command in its header"
    return [match["command"], *shlex.split(match["arguments"] or "")]


def test_every_dockerfile_base_image_is_kept_current():
    """The dockerfile manager reads every Dockerfile, and each FROM carries a tag and a digest for
    it to move; a python base stays on the Python the locks are compiled for."""
    config = renovate_config()
    dockerfiles = [p for p in repo_files() if Path(p).name.startswith("Dockerfile")]
    assert dockerfiles
    assert set(dockerfiles) <= managed_by("dockerfile"), "Dockerfiles Renovate does not read"
    lock_python = next(
        arg.partition("=")[2]
        for arg in lock_header_args(REQUIREMENTS / "dev.txt")
        if arg.startswith("--python-version=")
    )
    allowed = {
        name: rule["allowedVersions"]
        for rule in config.get("packageRules", [])
        if "dockerfile" in rule.get("matchManagers", []) and "allowedVersions" in rule
        for name in rule.get("matchPackageNames", [])
    }
    problems = []
    for path in dockerfiles:
        stages, bases = set(), 0
        for base in DOCKER_FROM.finditer((ROOT / path).read_text()):
            if base["stage"]:
                stages.add(base["stage"])
            if base["image"] in stages - {base["stage"]}:
                continue  # FROM an earlier stage: nothing to update
            bases += 1
            if not (base["tag"] and base["digest"]):
                problems.append(f"{path}: {base[0]} lacks a tag or a digest")
            if base["image"] == "python":
                if not base["tag"].startswith(f"{lock_python}."):
                    problems.append(f"{path}: python {base['tag']}, locks for {lock_python}")
                rule = allowed.get("python", "//").strip("/")
                if not rule or not js_regex(rule).search(base["tag"]):
                    problems.append(f"{path}: no allowedVersions keeps python on {lock_python}")
        assert bases, f"{path}: no FROM found"
    assert not problems, problems


# Renovate's github-actions parser (lib/modules/manager/github-actions/parse.ts).
USES_LINE = re.compile(r"^(?P<prefix>\s+(?:-\s+)?uses\s*:\s*)(?P<remainder>.+)$")
REPOSITORY_ACTION = re.compile(
    r"^(?:https://(?P<hostname>[^/]+)/)?(?P<owner>[^/]+)/(?P<repo>[^/]+)(?:/(?P<path>.+?))?@(?P<ref>.+)$"
)
PINNED_VERSION = re.compile(
    r"^\s*(?:(?:renovate\s*:\s*)?(?:pin\s+|tag\s*=\s*)?|(?:ratchet:[\w-]+/[.\w-]+))?@?"
    r"(?P<version>([\w-]*[-/])?v?\d+(?:\.\d+(?:\.\d+)?)?)"
)


def test_every_workflow_action_is_kept_current():
    """The github-actions manager reads every workflow, and each action is a commit SHA with its
    release in a comment, so Renovate moves both together."""
    workflows = [p for p in repo_files() if re.fullmatch(r"\.github/workflows/[^/]+\.ya?ml", p)]
    assert workflows
    assert set(workflows) <= managed_by("github-actions"), "workflows Renovate does not read"
    problems, actions = [], 0
    for path in workflows:
        for line in (ROOT / path).read_text().splitlines():
            uses = USES_LINE.match(line)
            if not uses or uses["remainder"].startswith("#"):
                continue
            value, _, comment = uses["remainder"].partition(" #")
            value = value.strip().strip("'\"")
            if value.startswith(("./", "../")):
                continue  # an action of this repository: nothing to update
            actions += 1
            action = REPOSITORY_ACTION.match(value)
            version = PINNED_VERSION.match(comment)
            if not action or not re.fullmatch(r"[0-9a-f]{40}", action["ref"]):
                problems.append(f"{path}: {value} is not pinned by commit SHA")
            elif not version or not re.fullmatch(r"v?\d+\.\d+\.\d+", version["version"]):
                problems.append(f"{path}: {value} has no '# vX.Y.Z' release comment")
    assert actions
    assert not problems, problems


# Options Renovate's pip-compile manager accepts in a `uv pip compile` header
# (lib/modules/manager/pip-compile/common.ts); options with a value must use `--opt=value`.
UV_OPTIONS_WITH_VALUE = {
    "--output-file", "--extra", "--extra-index-url", "--constraints", "--constraint",
    "--python-version", "--no-emit-package", "--prerelease", "--format", "--resolution",
    "--fork-strategy", "--exclude-newer", "--exclude-newer-package", "--group", "--override",
    "--overrides", "--index-url",
}  # fmt: skip
UV_FLAGS = {"-v", "--generate-hashes", "--emit-index-url", "--all-extras", "--no-strip-extras",
            "--universal"}  # fmt: skip


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_every_lock_is_refreshed_by_renovate(lock):
    """The pip-compile manager reads the lock and can rerun its header command as it stands:
    uv pip compile with options it accepts, the lock as output, source files that exist. That
    command keeps the lock universal and hashed."""
    path = lock.relative_to(ROOT).as_posix()
    assert path in managed_by("pip-compile")
    command, *args = lock_header_args(lock)
    assert command == "uv" and args[:2] == ["pip", "compile"], f"{lock.name}: {command} {args}"
    sources, output = [], None
    for arg in args[2:]:
        if not arg.startswith("-"):
            sources.append(arg)
            continue
        option, equals, value = arg.partition("=")
        if option in UV_OPTIONS_WITH_VALUE:
            assert equals, f"{lock.name}: Renovate needs {option}=VALUE"
        else:
            assert not equals and option in UV_FLAGS, f"{lock.name}: Renovate refuses {arg}"
        if option == "--output-file":
            output = value
    assert output == lock.name
    assert sources and all((REQUIREMENTS / source).is_file() for source in sources), sources
    assert {"--universal", "--generate-hashes"} <= set(args)


def test_every_platform_addon_chart_is_kept_current():
    """A custom regex manager extracts each add-on of argocd/apps (chart, version, repository),
    nothing else, from every values file that sets add-on versions."""
    values_files = [
        p for p in repo_files() if re.fullmatch(r"argocd/apps/values(-[^/]+)?\.yaml", p)
    ]
    checked = 0
    for path in values_files:
        platform = (yaml.safe_load((ROOT / path).read_text()) or {}).get("platform") or {}
        expected = {
            (addon["chart"], str(addon["version"]), addon["repoURL"], "helm")
            for addon in platform.values()
            if isinstance(addon, dict) and "version" in addon
        }
        extracted = {
            (
                dep.get("depName"),
                dep.get("currentValue"),
                dep.get("registryUrl"),
                dep.get("datasource"),
            )
            for dep in custom_extract(path)
        }
        assert extracted == expected, (
            f"{path}: missed {expected - extracted}, extra {extracted - expected}"
        )
        checked += len(expected)
    assert checked >= len(
        (yaml.safe_load((ROOT / "argocd/apps/values.yaml").read_text()))["platform"]
    )


def hcl_entries(block) -> list[tuple[str, dict]]:
    """(name, body) pairs of a python-hcl2 block list, names unquoted."""
    return [
        (name.strip('"'), body)
        for item in block or []
        for name, body in item.items()
        if not name.startswith("__")
    ]


def test_terraform_providers_and_charts_are_kept_current():
    """The terraform manager reads every .tf file (providers, modules, literal chart versions);
    a chart version that a helm_release takes from a variable is extracted from the variable's
    default by a custom regex manager, with the release's chart and repository."""
    tf_files = [p for p in repo_files() if p.startswith("terraform/") and p.endswith(".tf")]
    assert tf_files
    assert set(tf_files) <= managed_by("terraform"), "Terraform files Renovate does not read"
    checked = 0
    for path in tf_files:
        with (ROOT / path).open() as handle:
            doc = hcl2.load(handle)
        for resource in doc.get("resource", []):
            for name, body in hcl_entries([resource.get('"helm_release"', {})]):
                variable = re.fullmatch(r"\$\{var\.(\w+)\}", body.get("version", ""))
                if not variable:
                    continue
                folder = Path(path).parent
                defaults, deps = {}, []
                for other in sorted((ROOT / folder).glob("*.tf")):
                    with other.open() as handle:
                        for var_name, var in hcl_entries(hcl2.load(handle).get("variable")):
                            defaults[var_name] = str(var.get("default", "")).strip('"')
                    deps += custom_extract(other.relative_to(ROOT).as_posix())
                wanted = {
                    "depName": body["chart"].strip('"'),
                    "currentValue": defaults.get(variable[1]),
                    "registryUrl": body["repository"].strip('"'),
                    "datasource": "helm",
                }
                assert wanted in deps, f"{path}: helm_release.{name} ({wanted}) is not extracted"
                checked += 1
    assert checked, "no helm_release takes its version from a variable"
