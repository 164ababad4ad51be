"""Dependencies: the locks install on every Python 3.11.x (the images build on Debian 12's 3.11.2)
and on every machine, and our own packages build from a hashed build backend alone.

The dependency metadata comes from uv's cache (`make lock` fills it; a machine without it asks the
index once), and the build runs offline in a fresh virtualenv holding only what
requirements/build.txt pins.
"""

import functools
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.delivery.conftest import ROOT

REQUIREMENTS = ROOT / "requirements"
LOCKS = sorted(REQUIREMENTS.glob("*.txt"))
BUILD_LOCK = REQUIREMENTS / "build.txt"
UV = ROOT / ".venv" / "bin" / "uv"
# Everything we build into an image: the shared library and the four services.
PROJECTS = ("common", "api_gateway", "auth_service", "user_service", "webapp")
# Debian 12's python3.11 (what the images build on here) and the Python the locks were made with.
PYTHONS = ("3.11.2", "3.11.7")
MACHINES = ("x86_64", "aarch64")


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
