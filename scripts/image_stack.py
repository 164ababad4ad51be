"""Titanium served from its four images, run the way the chart runs them (`make test-images`).

    python -m scripts.image_stack build   # the images (and a local base if need be)
    python -m scripts.image_stack up      # backends, Secrets, migration Jobs, services, smoke test
    python -m scripts.image_stack down

What runs is what charts/titanium-service renders with the local values (values/<svc>.yaml then
values/local/<svc>.yaml), played by `podman kube play`: the chart's commands, ConfigMap env,
Secret references and mounts, security contexts, probes and hook Jobs. The Secrets are the ones
`scripts/make-secrets.sh local` prints, exactly as docs/deploy.md creates them. Only what a
cluster itself provides is stood in for:
- Services and cluster DNS: the pods share the host network (there is no CNI here) and a hosts
  file (containers.conf `base_hosts_file`) maps every Service name to loopback; each service
  listens on its own port, as in the chart.
- CloudNativePG: a private PostgreSQL with password authentication, one owner role and database
  per service as charts/titanium-platform declares them, created *after* the migration Jobs
  started (a fresh cluster's race), and the `<svc>-db-app` Secrets (key `uri`) the operator
  writes.
- The Redis add-on: a private redis-server requiring the `redis-auth` password.
- The MinIO add-on: not stood in for (no MinIO binary is obtainable here); the webapp keeps
  uploads in its pod's /tmp (`MEDIA_STORAGE_URL=file:/tmp/media`). The S3 path is tested against
  a real S3 server in webapp/tests/media/test_storage.py.
- The kubelet: startup and readiness probes run from here against the rendered paths and ports
  (podman 4.3 would run them with curl inside the images, which carry none); a Job runs as a Pod
  that must exit 0 (podman 4.3 has no Job kind).
- The Istio ingress: the smoke test (`helm test` and Argo CD PostSync hook) calls the gateway's
  Service instead.
Every image comes from the one root Dockerfile, its build argument SERVICE naming the service.
Where the pinned base image cannot be pulled (no registry is reachable here), `build` makes a
local one from Debian's packages and substitutes it with `--build-context`, the Dockerfile
untouched.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

from scripts.charts import deep_merge, load_yaml, render
from titanium_common.database import NOT_READY_MESSAGE

REPO = Path(__file__).resolve().parent.parent
RUN_DIR = REPO / "var" / "image-stack"
DOCKERFILE = REPO / "Dockerfile"
SERVICE_CHART = REPO / "charts" / "titanium-service"
PLATFORM_VALUES = REPO / "charts" / "titanium-platform" / "values.yaml"
ENVIRONMENT = "local"
NAMESPACE = f"titanium-{ENVIRONMENT}"
# Migrated first, started in this order; the gateway last.
SERVICES = ("auth-service", "user-service", "webapp", "api-gateway")
# The gateway's Service stands in for the Istio ingress the smoke test normally goes through.
SMOKE_TEST_URL = "http://api-gateway:8080"
BASE_URL = "http://127.0.0.1:8080"
# Where the webapp keeps uploads in this stack: its pod's writable /tmp.
MEDIA_STAND_IN = "file:/tmp/media"
READINESS_TIMEOUT_SECONDS = 120
# Stand-ins for the cluster's backends, on loopback addresses of their own.
REDIS_ADDRESS = "127.0.0.2"
POSTGRES_ADDRESS = "127.0.0.3"
REDIS_SERVICE = "redis-master.redis.svc.cluster.local"
# Images and layers outlive a clone: CI on this machine reuses the base and the layer cache.
STORAGE_ROOT = Path(os.environ.get("TITANIUM_CONTAINERS_ROOT", "/var/lib/titanium-containers"))
BASE_PACKAGES = (
    "python3.11",
    "python3.11-venv",
    "python3-distutils",
    "python-is-python3",
    "ca-certificates",
)
DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# --- the container engine ---------------------------------------------------------------------


def engine_env() -> dict[str, str]:
    """podman's configuration for this VM (docs: ../shared/CONTAINERS.md): runc on cgroupfs,
    vfs storage, the open-files limit the VM allows, and the hosts file that stands in for DNS."""
    conf_dir = RUN_DIR / "engine"
    conf_dir.mkdir(parents=True, exist_ok=True)
    hosts = RUN_DIR / "hosts"
    if not hosts.exists():  # `up` writes the Services' names; builds need localhost only
        hosts.write_text("127.0.0.1 localhost\n")
    (conf_dir / "containers.conf").write_text(
        "[containers]\n"
        f'base_hosts_file = "{hosts}"\n'
        'default_ulimits = ["nofile=20000:20000", "nproc=8192:8192"]\n'
        "[engine]\n"
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
        'runtime = "runc"\n'
    )
    (conf_dir / "storage.conf").write_text(
        "[storage]\n"
        'driver = "vfs"\n'
        f'graphroot = "{STORAGE_ROOT / "storage"}"\n'
        f'runroot = "{STORAGE_ROOT / "run"}"\n'
    )
    return {
        **os.environ,
        "CONTAINERS_CONF": str(conf_dir / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(conf_dir / "storage.conf"),
    }


def podman(*args: str, check: bool = True, timeout: float | None = None, **kwargs):
    return subprocess.run(
        ["podman", *args],
        env=engine_env(),
        check=check,
        timeout=timeout,
        text=True,
        **kwargs,
    )


def podman_output(*args: str) -> str:
    return podman(*args, capture_output=True).stdout.strip()


def image_exists(reference: str) -> bool:
    return podman("image", "exists", reference, check=False).returncode == 0


# --- images -----------------------------------------------------------------------------------


def package_of(service: str) -> str:
    """The Dockerfile's SERVICE: the service's folder and package (snake_case)."""
    return service.replace("-", "_")


def pinned_base() -> str:
    """The one image the Dockerfile pulls (name:tag@sha256:digest); its other stages build on it."""
    stages, pulled = set(), set()
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("FROM "):
            words = line.split()  # FROM <image> [AS <stage>]
            if words[1] not in stages:
                pulled.add(words[1])
            stages.update(words[3:])
    if len(pulled) != 1:
        raise SystemExit(f"the Dockerfile pulls {len(pulled)} images; expected one: {pulled}")
    return pulled.pop()


def local_base() -> str:
    """A base built from Debian's packages, named after its recipe so a change rebuilds it."""
    recipe = hashlib.sha256(repr((BASE_PACKAGES, DEBIAN_MIRROR)).encode()).hexdigest()[:12]
    reference = f"localhost/titanium-base:bookworm-{recipe}"
    if image_exists(reference):
        return reference
    say(f"Building {reference} from Debian packages (debootstrap)")
    with tempfile.TemporaryDirectory(prefix="titanium-base-") as rootfs:
        # It becomes the image's `/`, which every user must traverse.
        os.chmod(rootfs, 0o755)  # noqa: S103
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                "bookworm",
                rootfs,
                DEBIAN_MIRROR,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in Path(rootfs, cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        podman(
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--change",
            'CMD ["python3"]',
            "-",
            reference,
            stdin=tar.stdout,
            stdout=subprocess.DEVNULL,
        )
        if tar.wait() != 0:
            raise SystemExit("could not archive the base root filesystem")
    return reference


def pulled(reference: str) -> bool:
    result = podman("pull", "-q", reference, check=False, timeout=120, capture_output=True)
    return result.returncode == 0


def base_override() -> list[str]:
    """Build arguments that satisfy the pinned FROM: nothing when it can be pulled, else the
    local base in its place."""
    pinned = pinned_base()
    if image_exists(pinned) or pulled(pinned):
        return []
    say(f"{pinned} cannot be pulled here; using a base built from Debian packages")
    return ["--build-context", f"{pinned}=container-image://{local_base()}"]


def package_index_mounts() -> list[str]:
    """Where package downloads go through a TLS-inspecting proxy (as here), pip inside the build
    needs the machine's CA bundle; the mounts exist for RUN steps only, never in a layer."""
    bundle = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if not bundle:
        return []
    pip_conf = RUN_DIR / "engine" / "pip.conf"
    pip_conf.write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
    return [
        "-v",
        f"{bundle}:/etc/ssl/certs/ca-certificates.crt:ro",
        "-v",
        f"{pip_conf}:/etc/pip.conf:ro",
    ]


def build() -> None:
    override = base_override()
    mounts = package_index_mounts()
    for service in SERVICES:
        image = image_of(service)
        say(f"Building {image} from the Dockerfile, SERVICE={package_of(service)}")
        started = time.monotonic()
        podman(
            "build",
            "--format",
            "docker",
            "--network",
            "host",
            *override,
            *mounts,
            "--label",
            f"org.opencontainers.image.revision={git_revision()}",
            "--build-arg",
            f"SERVICE={package_of(service)}",
            "-f",
            str(DOCKERFILE),
            "-t",
            image,
            str(REPO),
            stdout=subprocess.DEVNULL,
        )
        say(f"    built in {time.monotonic() - started:.0f} s")


def git_revision() -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


# --- what the chart renders -------------------------------------------------------------------


def values_of(service: str) -> dict:
    """values/<svc>.yaml then values/local/<svc>.yaml, as skaffold and e2e-kind install them."""
    values = deep_merge(
        load_yaml(SERVICE_CHART / "values" / f"{service}.yaml"),
        load_yaml(SERVICE_CHART / "values" / ENVIRONMENT / f"{service}.yaml"),
    )
    overrides = {"smokeTest": {"url": SMOKE_TEST_URL}}
    if service in {"webapp", "auth-service"}:
        # Readers reach this stack at BASE_URL (the gateway's port stands in for the ingress's
        # titanium.local), so that is the address its links (and mail's) must carry.
        overrides["env"] = {"PUBLIC_URL": BASE_URL}
    if service == "webapp":
        overrides["env"] |= {"MEDIA_STORAGE_URL": MEDIA_STAND_IN}  # no MinIO here (docstring)
    return deep_merge(values, overrides)


def rendered(service: str) -> list[dict]:
    return render(SERVICE_CHART, values_of(service), release=service, namespace=NAMESPACE)


def image_of(service: str) -> str:
    (server,) = [
        d
        for d in rendered(service)
        if d["kind"] == "Deployment" and d["metadata"]["name"] == service
    ]
    return server["spec"]["template"]["spec"]["containers"][0]["image"]


def is_test_hook(document: dict) -> bool:
    return document["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"


# --- stand-ins for the cluster ----------------------------------------------------------------


def documented_secrets() -> list[dict]:
    """The Secrets docs/deploy.md has an operator create: `scripts/make-secrets.sh local`."""
    result = subprocess.run(
        [str(REPO / "scripts" / "make-secrets.sh"), ENVIRONMENT],
        capture_output=True,
        text=True,
        check=True,
    )
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def secret_value(secret: dict, key: str) -> str:
    return base64.b64decode(secret["data"][key]).decode()


def operator_database_secrets(passwords: dict[str, str]) -> list[dict]:
    """What CloudNativePG writes for each Cluster of titanium-platform: `<service>-db-app`."""
    databases = yaml.safe_load(PLATFORM_VALUES.read_text())["postgres"]["databases"]
    secrets = []
    for database in databases:
        host = f"{database['service']}-db-rw.{NAMESPACE}"
        password = passwords[database["owner"]]
        uri = f"postgresql://{database['owner']}:{password}@{host}:5432/{database['database']}"
        fields = {
            "username": database["owner"],
            "password": password,
            "dbname": database["database"],
            "host": host,
            "port": "5432",
            "uri": uri,
        }
        secrets.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/basic-auth",
                "metadata": {"name": f"{database['service']}-db-app", "namespace": NAMESPACE},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in fields.items()},
            }
        )
    return secrets


def write_hosts(databases: list[dict]) -> None:
    """Cluster DNS: every Service the workloads name resolves to where its stand-in listens."""
    services = [*SERVICES, "auth-service-outbox-relay"]
    lines = [
        "127.0.0.1 localhost",
        f"127.0.0.1 {' '.join(services)}",
        f"{REDIS_ADDRESS} {REDIS_SERVICE}",
    ]
    lines += [f"{POSTGRES_ADDRESS} {d['service']}-db-rw.{NAMESPACE}" for d in databases]
    (RUN_DIR / "hosts").write_text("\n".join(lines) + "\n")


class Backends:
    """A private PostgreSQL and Redis for one run (pids and paths live in RUN_DIR)."""

    def __init__(self) -> None:
        self.pg_root = RUN_DIR / "postgres"  # the socket and the log beside the data
        self.pg_data = self.pg_root / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @staticmethod
    def pg_bin(program: str) -> str:
        found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"))
        return str(found[-1]) if found else program

    def start_redis(self, password: str) -> None:
        subprocess.run(
            [
                "redis-server",
                "--bind",
                REDIS_ADDRESS,
                "--port",
                "6379",
                "--requirepass",
                password,
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(RUN_DIR / "redis.pid"),
                "--logfile",
                str(RUN_DIR / "redis.log"),
            ],
            check=True,
        )

    def start_postgres(self) -> None:
        self.pg_root.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.pg_root, "postgres", "postgres")
        subprocess.run(
            [
                *self.as_postgres,
                self.pg_bin("initdb"),
                "-D",
                str(self.pg_data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-c listen_addresses={POSTGRES_ADDRESS} -c unix_socket_directories={self.pg_root}"
        )
        subprocess.run(
            [
                *self.as_postgres,
                self.pg_bin("pg_ctl"),
                "-D",
                str(self.pg_data),
                "-w",
                "-o",
                options,
                "-l",
                str(self.pg_root / "postgres.log"),
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def psql(self, sql: str) -> None:
        subprocess.run(
            [
                *self.as_postgres,
                self.pg_bin("psql"),
                "-h",
                str(self.pg_root),
                "-U",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                sql,
            ],
            check=True,
        )

    def create_database(self, owner: str, password: str, database: str) -> None:
        """CloudNativePG's initdb bootstrap: an owner role and its database, nothing more."""
        self.psql(f"CREATE ROLE {owner} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {database} OWNER {owner}")

    def stop(self) -> None:
        if (self.pg_data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self.as_postgres,
                    self.pg_bin("pg_ctl"),
                    "-D",
                    str(self.pg_data),
                    "-m",
                    "immediate",
                    "stop",
                ],
                check=False,
                stdout=subprocess.DEVNULL,
            )
        pid_file = RUN_DIR / "redis.pid"
        if pid_file.exists():
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)


# --- playing the manifests --------------------------------------------------------------------


def pod_specs(documents: list[dict]):
    for document in documents:
        if document["kind"] in ("Deployment", "Job"):
            yield document["spec"]["template"]["spec"]
        elif document["kind"] == "Pod":
            yield document["spec"]


def secret_consumers(documents: list[dict]) -> dict[str, set[str]]:
    """How each Secret is read: as env (secretKeyRef) or as a volume."""
    consumers: dict[str, set[str]] = {}
    for spec in pod_specs(documents):
        for container in spec["containers"]:
            for env in container.get("env", []):
                if ref := env.get("valueFrom", {}).get("secretKeyRef"):
                    consumers.setdefault(ref["name"], set()).add("env")
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                consumers.setdefault(volume["secret"]["secretName"], set()).add("volume")
    return consumers


def create_podman_secrets(secrets: list[dict], consumers: dict[str, set[str]]) -> list[str]:
    """podman 4.3 reads a Secret two ways: env references want a flat JSON map of the base64
    values; volumes want the Secret object and write its `data` values verbatim (without
    base64-decoding them), so they get them decoded. Same keys and values either way."""
    created = []
    for secret in secrets:
        name = secret["metadata"]["name"]
        ways = consumers.get(name, set())
        if not ways:
            continue
        if len(ways) > 1:
            raise SystemExit(f"Secret {name} is read as env and as a volume; podman 4.3 cannot")
        if ways == {"env"}:
            payload = secret["data"]
        else:
            decoded = {
                key: base64.b64decode(value).decode() for key, value in secret["data"].items()
            }
            payload = {**secret, "data": decoded}
        podman("secret", "rm", name, check=False, capture_output=True)
        podman("secret", "create", name, "-", input=json.dumps(payload), stdout=subprocess.DEVNULL)
        created.append(name)
    return created


def for_podman(document: dict) -> dict:
    """The pod-level differences from a cluster (see the module docstring): host network (so no
    port mappings: the ports are the host's), probes left to the harness, `optional` spelled
    out on Secret volumes (podman 4.3 dereferences it unconditionally), and emptyDir volumes
    named after their pod (podman 4.3 makes a named volume of each, which pods would share)."""
    if document["kind"] not in ("Deployment", "Job", "Pod"):
        return document
    document = copy.deepcopy(document)
    spec = document["spec"] if document["kind"] == "Pod" else document["spec"]["template"]["spec"]
    spec["hostNetwork"] = True
    for container in spec["containers"]:
        for field in ("ports", "startupProbe", "livenessProbe", "readinessProbe"):
            container.pop(field, None)
    for volume in spec.get("volumes", []):
        if "secret" in volume:
            volume["secret"].setdefault("optional", False)
        if "emptyDir" in volume:
            own = f"{document['metadata']['name']}-{volume['name']}"
            for container in spec["containers"]:
                for mount in container.get("volumeMounts", []):
                    if mount["name"] == volume["name"]:
                        mount["name"] = own
            volume["name"] = own
    if document["kind"] == "Job":  # podman 4.3 has no Job: its pod, run to completion
        document = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": document["metadata"]["name"],
                "labels": document["metadata"]["labels"],
            },
            "spec": {**spec, "restartPolicy": "Never"},
        }
    return document


def play(name: str, documents: list[dict]) -> Path:
    path = RUN_DIR / "manifests" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    podman("kube", "play", str(path), stdout=subprocess.DEVNULL)
    return path


def containers_of(pod: str) -> list[str]:
    output = podman_output("ps", "-a", "--filter", f"pod={pod}", "--format", "{{.Names}}")
    return [name for name in output.splitlines() if not name.endswith("-infra")]


def pod_name(document: dict) -> str:
    """podman names a Deployment's first pod `<name>-pod-0`, a Pod by its own name."""
    name = document["metadata"]["name"]
    return name if document["kind"] in ("Pod", "Job") else f"{name}-pod-0"


def wait_for_exit(pod: str, timeout: float) -> tuple[int, str]:
    (container,) = containers_of(pod)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = podman_output(
            "inspect", container, "--format", "{{.State.Status}} {{.State.ExitCode}}"
        )
        status, code = state.split()
        if status in ("exited", "stopped"):
            return int(code), podman("logs", container, capture_output=True).stdout
        time.sleep(1)
    raise SystemExit(f"{pod} did not finish within {timeout:.0f} s")


def wait_until_logged(pod: str, text: str, timeout: float) -> None:
    """Waits for `text` in a pod's log: a busy machine may take seconds to start Python."""
    (container,) = containers_of(pod)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = podman("logs", container, capture_output=True)
        if text in logs.stdout + logs.stderr:
            return
        time.sleep(0.5)
    raise SystemExit(f"{pod} did not log {text!r} within {timeout:.0f} s")


def probe(container: dict, kind: str, ports: dict[str, int]) -> bool:
    spec = container.get(kind)
    if not spec:
        return True
    port = spec["httpGet"]["port"]
    port = ports.get(port, port)
    try:
        reply = requests.get(
            f"http://127.0.0.1:{port}{spec['httpGet']['path']}",
            timeout=spec.get("timeoutSeconds", 1),
        )
    except requests.RequestException:
        return False
    return 200 <= reply.status_code < 400


def wait_for_probe(container: dict, kind: str, ports: dict[str, int], budget: float) -> bool:
    spec = container.get(kind) or {}
    deadline = time.monotonic() + budget
    while not probe(container, kind, ports):
        if time.monotonic() > deadline:
            return False
        time.sleep(spec.get("periodSeconds", 10))
    return True


def wait_until_ready(deployment: dict) -> float:
    """The kubelet's part: the startup probe within its failureThreshold times periodSeconds, then
    readiness (a kubelet probes it forever; a run gives up after READINESS_TIMEOUT_SECONDS)."""
    started = time.monotonic()
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        startup = container.get("startupProbe") or {}
        budgets = {
            "startupProbe": startup.get("failureThreshold", 3) * startup.get("periodSeconds", 10),
            "readinessProbe": READINESS_TIMEOUT_SECONDS,
        }
        for kind, budget in budgets.items():
            if not wait_for_probe(container, kind, ports, budget):
                raise SystemExit(f"{deployment['metadata']['name']}: {kind} never passed")
    return time.monotonic() - started


def save_logs() -> None:
    logs = RUN_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    names = podman_output("ps", "-a", "--format", "{{.Names}}").splitlines()
    for name in names:
        if not name.endswith("-infra"):
            result = podman("logs", name, check=False, capture_output=True)
            (logs / f"{name}.log").write_text(result.stdout + result.stderr)


def up() -> dict:
    down(quiet=True)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    documents = {service: rendered(service) for service in SERVICES}
    everything = [d for docs in documents.values() for d in docs]
    databases = yaml.safe_load(PLATFORM_VALUES.read_text())["postgres"]["databases"]
    write_hosts(databases)

    say("Secrets: scripts/make-secrets.sh local, plus what CloudNativePG would write")
    documented = documented_secrets()
    by_name = {s["metadata"]["name"]: s for s in documented}
    passwords = {d["owner"]: os.urandom(16).hex() for d in databases}
    secrets = documented + operator_database_secrets(passwords)
    created = create_podman_secrets(secrets, secret_consumers(everything))
    backends = Backends()
    backends.start_redis(secret_value(by_name["redis-auth"], "password"))
    backends.start_postgres()

    state = {"base_url": BASE_URL, "secrets": created, "manifests": [], "pods": {}, "jobs": {}}
    say("Migration Jobs, started before the databases exist (a fresh cluster's race)")
    jobs = [d for d in everything if d["kind"] == "Job"]
    for job in jobs:
        state["manifests"].append(str(play(job["metadata"]["name"], [for_podman(job)])))
    for job in jobs:
        if job["metadata"]["name"].endswith("-migrate"):
            wait_until_logged(pod_name(job), NOT_READY_MESSAGE, timeout=120)
    for database in databases:
        backends.create_database(
            database["owner"], passwords[database["owner"]], database["database"]
        )
    for job in jobs:
        name = job["metadata"]["name"]
        code, logs = wait_for_exit(pod_name(job), timeout=job["spec"]["activeDeadlineSeconds"])
        state["jobs"][name] = {"exit_code": code, "waited": NOT_READY_MESSAGE in logs}
        if code != 0:
            save_logs()
            raise SystemExit(f"migration Job {name} failed ({code}):\n{logs[-2000:]}")

    for service in SERVICES:
        workloads = [
            for_podman(d) for d in documents[service] if d["kind"] in ("ConfigMap", "Deployment")
        ]
        state["manifests"].append(str(play(service, workloads)))
        for deployment in (d for d in documents[service] if d["kind"] == "Deployment"):
            seconds = wait_until_ready(deployment)
            name = deployment["metadata"]["name"]
            state["pods"][name] = pod_name(deployment)
            say(f"    {name} ready after {seconds:.1f} s")

    say("Smoke test (helm test / PostSync hook)")
    for test in (d for d in everything if is_test_hook(d)):
        state["manifests"].append(str(play(test["metadata"]["name"], [for_podman(test)])))
        code, logs = wait_for_exit(test["metadata"]["name"], timeout=120)
        state["jobs"][test["metadata"]["name"]] = {"exit_code": code, "output": logs.strip()}
        if code != 0:
            save_logs()
            raise SystemExit(f"smoke test failed ({code}):\n{logs}")
    (RUN_DIR / "state.json").write_text(json.dumps(state, indent=2))
    say(f"Titanium from its images at {BASE_URL}")
    return state


def down(quiet: bool = False) -> None:
    state_file = RUN_DIR / "state.json"
    if RUN_DIR.exists() and not quiet:
        save_logs()
    for path in sorted((RUN_DIR / "manifests").glob("*.yaml")) if RUN_DIR.exists() else []:
        podman("kube", "down", str(path), check=False, capture_output=True)
    # Secret and emptyDir volumes outlive `kube down`; this storage holds Titanium's alone.
    podman("volume", "prune", "--force", check=False, capture_output=True)
    if state_file.exists():
        for name in json.loads(state_file.read_text())["secrets"]:
            podman("secret", "rm", name, check=False, capture_output=True)
    Backends().stop()
    for stale in ("manifests", "postgres", "state.json", "redis.pid"):
        target = RUN_DIR / stale
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "up", "down"))
    command = parser.parse_args(argv).command
    {"build": build, "up": up, "down": down}[command]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
