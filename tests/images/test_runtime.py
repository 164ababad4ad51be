"""The stack served from the four images (`python -m scripts.image_stack up`, run by
`make test-images`), checked the way an operator would on a cluster: what each container really
runs as, what it may write, whether every image's own HEALTHCHECK passes where the chart runs it,
that the documented Secrets are what the services read, and that people can sign up and in.

These tests look at a running stack and start nothing; scripts/test-images.sh brings it up first.
"""

import json
import uuid

import jwt
import pytest
import requests

from scripts.image_stack import BASE_URL, RUN_DIR, SERVICES, image_of, podman, podman_output

PORTS = {"api-gateway": 8080, "webapp": 8081, "auth-service": 8082, "user-service": 8083}
UID = "10001"


@pytest.fixture(scope="module")
def state() -> dict:
    path = RUN_DIR / "state.json"
    if not path.exists():
        pytest.fail("no stack from the images is running: `python -m scripts.image_stack up`")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def containers(state) -> dict[str, str]:
    """Workload name -> its running container (one per pod)."""
    found = {}
    for workload, pod in state["pods"].items():
        names = podman_output("ps", "--filter", f"pod={pod}", "--format", "{{.Names}}")
        (container,) = [name for name in names.splitlines() if not name.endswith("-infra")]
        found[workload] = container
    assert set(found) == {*SERVICES, "auth-service-outbox-relay"}
    return found


def exec_in(container: str, *command: str, check: bool = True):
    return podman("exec", container, *command, check=check, capture_output=True)


def process_status(container: str) -> dict[str, str]:
    """/proc/1/status of the container's main process: its real identity and privileges."""
    text = exec_in(container, "cat", "/proc/1/status").stdout
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def test_every_container_runs_unprivileged_as_the_chart_says(containers):
    for workload, container in containers.items():
        status = process_status(container)
        assert status["Uid"].split() == [UID] * 4, workload
        assert status["Gid"].split() == [UID] * 4, workload
        assert int(status["CapEff"], 16) == 0, f"{workload}: effective capabilities left"
        assert int(status["CapPrm"], 16) == 0, f"{workload}: permitted capabilities left"
        assert status["NoNewPrivs"].strip() == "1", f"{workload}: privilege escalation possible"
        assert status["Seccomp"].strip() == "2", f"{workload}: no seccomp filter"


WRITE = "import sys; open(sys.argv[1], 'w').write('x')"


def test_the_root_filesystem_is_read_only_and_tmp_is_writable(containers):
    for workload, container in containers.items():
        for path in ("/app/probe", "/opt/venv/probe", "/probe"):
            result = exec_in(container, "python", "-c", WRITE, path, check=False)
            assert result.returncode != 0 and "Read-only file system" in result.stderr, (
                f"{workload} could write {path}"
            )
        writable = exec_in(container, "python", "-c", WRITE, "/tmp/probe", check=False)  # noqa: S108
        assert writable.returncode == 0, f"{workload}: /tmp is not writable"


def test_the_signing_keys_are_the_documented_secret_mounted_read_only(containers):
    container = containers["auth-service"]
    listing = exec_in(container, "ls", "/etc/titanium/signing-keys").stdout.split()
    assert len(listing) == 1 and listing[0].endswith("Z.pem"), listing  # make-secrets.sh names it
    result = exec_in(
        container, "python", "-c", WRITE, "/etc/titanium/signing-keys/x.pem", check=False
    )
    assert result.returncode != 0 and "Read-only file system" in result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_every_image_healthcheck_passes_where_the_chart_runs_it(service, containers):
    """The image's own HEALTHCHECK (kept by the docker image format), run inside the container
    the chart started: read-only, as UID 10001, with the chart's environment."""
    check = json.loads(
        podman_output(
            "image", "inspect", image_of(service), "--format", "{{json .Config.Healthcheck}}"
        )
    )
    assert check and check["Test"][0] == "CMD", f"{service}: no HEALTHCHECK in the image"
    result = exec_in(containers[service], *check["Test"][1:], check=False)
    assert result.returncode == 0, f"{service}: HEALTHCHECK failed: {result.stderr}"


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "api-gateway"])
def test_every_service_is_ready_on_the_backends_its_secrets_name(service):
    reply = requests.get(f"http://127.0.0.1:{PORTS[service]}/readyz", timeout=5)
    assert reply.status_code == 200, reply.text
    checks = reply.json()["checks"]
    assert checks["database"] == {"status": "ok", "backend": "postgresql"}
    assert checks["redis"]["status"] == "ok", "the password of redis-auth opens the Redis add-on"


def test_the_migration_jobs_waited_for_the_databases_and_succeeded(state):
    migrations = {name: job for name, job in state["jobs"].items() if name.endswith("-migrate")}
    assert set(migrations) == {"auth-service-migrate", "user-service-migrate", "webapp-migrate"}
    for name, job in migrations.items():
        assert job == {"exit_code": 0, "waited": True}, name


def test_the_smoke_test_hook_passed(state):
    assert state["jobs"]["api-gateway-smoke-test"] == {
        "exit_code": 0,
        "output": "gateway smoke test passed",
    }


def test_people_can_sign_up_and_sign_in_through_the_gateway():
    """The review's first finding: with the key named as the docs said, every sign-up was a 500."""
    name = f"img{uuid.uuid4().hex[:10]}"
    user = {"username": name, "email": f"{name}@example.com", "password": "correct horse battery"}
    signed_up = requests.post(f"{BASE_URL}/api/users", json={"user": user}, timeout=10)
    assert signed_up.status_code == 201, signed_up.text
    login = {"email": user["email"], "password": user["password"]}
    signed_in = requests.post(f"{BASE_URL}/api/users/login", json={"user": login}, timeout=10)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["user"]["token"]
    jwks = requests.get(f"{BASE_URL}/.well-known/jwks.json", timeout=5).json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token, key.key, algorithms=["EdDSA"], audience="titanium", issuer="titanium-auth"
    )
    me = requests.get(
        f"{BASE_URL}/api/user", headers={"Authorization": f"Token {token}"}, timeout=5
    )
    assert me.status_code == 200 and me.json()["user"]["username"] == name
    assert claims["sub"]
