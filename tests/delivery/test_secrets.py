"""Every Secret and key a workload reads is created by a documented step, and the app can use it.

The documented steps: `scripts/make-secrets.sh <env>` (run exactly as docs/deploy.md writes
it), and CloudNativePG for the databases it runs (Secret `<cluster>-app`, key `uri`). The test
runs the script for every environment and checks each secretKeyRef, Secret volume, add-on
`existingSecret` and Gateway certificate against what it printed.
"""

import base64
import re
import subprocess

import kubernetes_validate
import pytest
import yaml

from auth_service.tokens.keys import KeyRing
from tests.delivery.conftest import (
    ENVS,
    KUBERNETES_VERSION,
    ROOT,
    apps_values,
    namespace,
    of_kind,
    platform_values,
    pod_template,
    rendered_environment,
    rendered_platform,
)

DEPLOY_MD = ROOT / "docs" / "deploy.md"
# The keys CloudNativePG writes into `<cluster>-app` (its docs: "Connecting from an application").
CNPG_APP_KEYS = {"username", "password", "host", "port", "dbname", "uri", "jdbc-uri", "pgpass"}


def documented_command(env: str) -> list[str]:
    """The make-secrets command docs/deploy.md gives an operator for this environment."""
    commands = re.findall(
        r"^\s*(scripts/make-secrets\.sh \S+) \| kubectl", DEPLOY_MD.read_text(), re.M
    )
    wanted = [c for c in commands if c.endswith(f" {env}") or c.endswith(" $env")]
    assert wanted, f"docs/deploy.md gives no make-secrets command for {env}: {commands}"
    return wanted[0].replace("$env", env).split()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "1",
         "-subj", "/CN=titanium.example.com", "-keyout", str(directory / "tls.key"),
         "-out", str(directory / "tls.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    return directory / "tls.crt", directory / "tls.key"


def clean_env(home, **given: str) -> dict[str, str]:
    """Only what the docs tell an operator to set (kubectl keeps its cache under HOME)."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), **given}


def made_secrets(env: str, tls_files) -> dict[tuple[str, str], dict]:
    """(namespace, name) -> Secret, from the documented command with what the docs say to set."""
    cert, key = tls_files
    given = {"TLS_CERT_FILE": str(cert), "TLS_KEY_FILE": str(key),
             "REDIS_URL": "rediss://:token@redis.example:6379/0"}  # fmt: skip
    for service in ("AUTH_SERVICE", "USER_SERVICE", "WEBAPP"):
        given[f"{service}_DATABASE_URL"] = f"postgresql://{service.lower()}:pw@rds.example:5432/x"
    result = subprocess.run(documented_command(env), cwd=ROOT, env=clean_env(cert.parent, **given),
                            capture_output=True, text=True, check=True)  # fmt: skip
    secrets = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    for secret in secrets:  # what `kubectl create -f -` would accept, unknown fields refused
        kubernetes_validate.validate(secret, KUBERNETES_VERSION, strict=True)
    return {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in secrets}


def operator_secrets(env: str) -> dict[tuple[str, str], set[str]]:
    if platform_values(env).get("postgres", {}).get("mode") == "external":
        return {}
    return {
        (namespace(env), f"{cluster['metadata']['name']}-app"): CNPG_APP_KEYS
        for cluster in of_kind(rendered_platform(env), "Cluster")
    }


def references(env: str) -> set[tuple[str, str, str]]:
    """(namespace, secret, key) every workload, add-on and Gateway of the environment reads."""
    wanted = set()
    for obj in rendered_environment(env):
        if obj["kind"] not in ("Deployment", "Job", "CronJob", "Pod"):
            continue
        spec = pod_template(obj)["spec"]
        for container in spec["containers"]:
            for env_var in container.get("env", []):
                if ref := env_var.get("valueFrom", {}).get("secretKeyRef"):
                    wanted.add((namespace(env), ref["name"], ref["key"]))
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                wanted.add((namespace(env), volume["secret"]["secretName"], "*.pem"))
    (gateway,) = of_kind(rendered_environment(env), "Gateway")
    for server in gateway["spec"]["servers"]:
        if credential := server.get("tls", {}).get("credentialName"):
            ingress = apps_values(env)["platform"]["istio-ingressgateway"]["namespace"]
            wanted.update({(ingress, credential, "tls.crt"), (ingress, credential, "tls.key")})
    redis = apps_values(env)["platform"]["redis"]
    if redis["enabled"]:
        auth = redis["values"]["auth"]
        wanted.add((redis["namespace"], auth["existingSecret"], auth["existingSecretPasswordKey"]))
    return wanted


@pytest.mark.parametrize("env", ENVS)
def test_every_secret_a_workload_reads_is_made_by_a_documented_step(env, tls_files):
    made = {where: set(secret["data"]) for where, secret in made_secrets(env, tls_files).items()}
    provided = {**made, **operator_secrets(env)}
    missing = []
    for secret_namespace, name, key in sorted(references(env)):
        keys = provided.get((secret_namespace, name))
        if keys is None:
            missing.append(f"{secret_namespace}/{name} is created by no documented step")
        elif key == "*.pem":
            if not any(k.endswith(".pem") for k in keys):
                missing.append(f"{secret_namespace}/{name} holds no .pem key")
        elif key not in keys:
            missing.append(f"{secret_namespace}/{name} has no key {key!r} (has {sorted(keys)})")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("env", ENVS)
def test_the_signing_key_the_docs_make_is_one_auth_service_signs_with(env, tls_files, tmp_path):
    secret = made_secrets(env, tls_files)[(namespace(env), "auth-service-signing-keys")]
    for name, value in secret["data"].items():  # laid out as the Secret volume lays it out
        (tmp_path / name).write_bytes(base64.b64decode(value))
    ring = KeyRing(tmp_path, 3600)
    assert ring.active().kid and ring.sign("account-1", 1)


@pytest.mark.parametrize("env", ENVS)
def test_the_redis_url_the_services_read_carries_the_add_ons_password(env, tls_files):
    secrets = made_secrets(env, tls_files)
    url = base64.b64decode(secrets[(namespace(env), "titanium-redis")]["data"]["url"]).decode()
    if apps_values(env)["platform"]["redis"]["enabled"]:
        password = base64.b64decode(secrets[("redis", "redis-auth")]["data"]["password"]).decode()
        assert url == f"redis://:{password}@redis-master.redis.svc.cluster.local:6379/0"
    else:
        assert url.startswith("rediss://"), "ElastiCache is reached over TLS"


def test_prod_refuses_to_make_secrets_without_the_terraform_outputs(tmp_path):
    result = subprocess.run(documented_command("prod"), cwd=ROOT, env=clean_env(tmp_path),
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    for variable in ("REDIS_URL", "WEBAPP_DATABASE_URL", "TLS_CERT_FILE"):
        assert variable in result.stderr
