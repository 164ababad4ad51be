"""What a cluster does with our objects, modelled offline for test_cluster_rules.py.

- Terraform: the namespaces each environment root makes (labels, ResourceQuota, LimitRange),
  read with python-hcl2 from the literal inputs of the `namespaces` module call.
- Pod Security Standards: baseline and restricted, as the Pod Security admission controller
  checks them (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
- Istio's sidecar injector at the pinned version: which pods the webhooks select and what the
  injection template adds to them.
- Requests and limits as ResourceQuota counts them, with LimitRange defaults.
- Upstream add-on charts that cannot be downloaded here: a small table, sourced from their
  templates, of the namespaces they render into and the privileged pods they run.
"""

import copy
import math
import re
from fractions import Fraction
from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
NAMESPACES_MODULE = TERRAFORM / "modules" / "namespaces"

# --- quantities -------------------------------------------------------------------------------

_SUFFIX = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "m": Fraction(1, 1000),
    "": 1,
}


def quantity(value) -> Fraction:
    """A Kubernetes quantity ("250m", "1", "384Mi", 2) as an exact number (cores or bytes)."""
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value).strip())
    assert match and match.group(2) in _SUFFIX, f"not a quantity: {value!r}"
    return Fraction(match.group(1)) * _SUFFIX[match.group(2)]


def cores(value: Fraction) -> str:
    return f"{float(value):.2f}"


def gib(value: Fraction) -> str:
    return f"{float(value) / 2**30:.2f}Gi"


# --- Terraform: what the environment roots create -----------------------------------------------


def _hcl(path: Path) -> dict:
    with path.open() as handle:
        return hcl2.load(handle)


def _unquote(value):
    return value[1:-1] if isinstance(value, str) and value[:1] == value[-1:] == '"' else value


def _entries(block: dict) -> dict:
    return {_unquote(k): v for k, v in block.items() if not k.startswith("__")}


def roots() -> list[Path]:
    return sorted(p for p in (TERRAFORM / "environments").iterdir() if p.is_dir())


def root_environment(root: Path) -> str:
    """The GitOps environment a root runs: var.environment from its terraform.tfvars."""
    return _unquote(_hcl(root / "terraform.tfvars")["environment"])


def root_of(env: str) -> Path:
    (root,) = [r for r in roots() if root_environment(r) == env]
    return root


def _resolve(text: str, root: Path) -> str:
    """Interpolate ${var.x} (from terraform.tfvars) and ${local.x} / ${(local.x)} (from main.tf)."""
    tfvars = {k: _unquote(v) for k, v in _hcl(root / "terraform.tfvars").items()}
    local_values = {}
    for block in _hcl(root / "main.tf").get("locals", []):
        local_values.update({k: v for k, v in _entries(block).items()})

    def substitute(match):
        kind, name = match.group(1), match.group(2)
        if kind == "var":
            return tfvars[name]
        return _resolve(_unquote(local_values[name]), root)

    text = _unquote(text)
    resolved = re.sub(r"\$\{\(?(var|local)\.(\w+)\)?\}", substitute, text)
    assert "${" not in resolved, f"cannot resolve {text!r} in {root.name}"
    return resolved


def _namespaces_call(root: Path) -> dict:
    for block in _hcl(root / "main.tf").get("module", []):
        for _, body in _entries(block).items():
            if _unquote(body["source"]) == "../../modules/namespaces":
                return body
    raise AssertionError(f"{root.name}: no call of modules/namespaces")


def _module_default(name: str):
    for block in _hcl(NAMESPACES_MODULE / "variables.tf")["variable"]:
        for variable, body in _entries(block).items():
            if variable == name:
                return body.get("default")
    raise AssertionError(f"modules/namespaces has no variable {name}")


def terraform_namespaces(root: Path) -> dict[str, dict]:
    """name -> {labels, quota (hard, or None), limit_range (defaults, or None)} as the module
    makes them from the root's inputs (modules/namespaces/main.tf: the Pod Security enforce
    label from pod_security, istio-injection only when istio_injection is set, a ResourceQuota
    and a LimitRange only where a quota is given)."""
    call = _namespaces_call(root)
    defaults = {
        k: _unquote(v)
        for k, v in (
            call.get("default_container_resources")
            or _module_default("default_container_resources")
        ).items()
    }
    namespaces = {}
    for key, spec in _entries(call["namespaces"]).items():
        name = _resolve(key, root)
        labels = {
            "app.kubernetes.io/part-of": "titanium",
            "app.kubernetes.io/managed-by": "terraform",
            # Set by the API server on every namespace (NamespaceDefaultLabelName).
            "kubernetes.io/metadata.name": name,
        }
        assert "pod_security" in spec, f"{root.name}/{name}: no explicit pod_security level"
        labels["pod-security.kubernetes.io/enforce"] = _unquote(spec["pod_security"])
        injection = spec.get("istio_injection")
        assert injection is None or isinstance(injection, str), (
            f"{root.name}/{name}: istio_injection is the label value or null, not {injection!r}"
        )
        if injection is not None:
            labels["istio-injection"] = _unquote(injection)
        quota = spec.get("quota")
        namespaces[name] = {
            "labels": labels,
            "quota": None
            if quota is None
            else {
                "requests.cpu": quantity(_unquote(quota["requests_cpu"])),
                "requests.memory": quantity(_unquote(quota["requests_memory"])),
                "limits.cpu": quantity(_unquote(quota["limits_cpu"])),
                "limits.memory": quantity(_unquote(quota["limits_memory"])),
                "pods": int(quota["pods"]),
            },
            "limit_range": None
            if quota is None
            else {
                "default_request": {
                    "cpu": defaults["request_cpu"],
                    "memory": defaults["request_memory"],
                },
                "default": {"cpu": defaults["limit_cpu"], "memory": defaults["limit_memory"]},
            },
        }
    return namespaces


def namespace_labels(env: str, name: str) -> dict:
    """Labels of a namespace in the environment's cluster. One that Terraform does not make is
    created bare by Argo CD's CreateNamespace=true: only kubernetes.io/metadata.name."""
    made = terraform_namespaces(root_of(env))
    if name in made:
        return made[name]["labels"]
    return {"kubernetes.io/metadata.name": name}


def enforced_level(labels: dict) -> str:
    """Pod Security admission: no enforce label is `privileged` (no cluster-wide default set)."""
    return labels.get("pod-security.kubernetes.io/enforce", "privileged")


# --- Pod Security Standards -------------------------------------------------------------------
# https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Kubernetes 1.31).

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
LEVELS = ("privileged", "baseline", "restricted")


def _all_containers(spec: dict) -> list[dict]:
    return (
        list(spec.get("initContainers") or [])
        + list(spec.get("containers") or [])
        + list(spec.get("ephemeralContainers") or [])
    )


def _baseline(pod: dict) -> list[str]:
    spec, annotations = pod["spec"], pod.get("metadata", {}).get("annotations") or {}
    pod_sc = spec.get("securityContext") or {}
    problems = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            problems.append(f"host namespaces: {field}=true")
    if (pod_sc.get("windowsOptions") or {}).get("hostProcess"):
        problems.append("HostProcess pod")
    for volume in spec.get("volumes") or []:
        if "hostPath" in volume:
            problems.append(f"hostPath volume {volume['name']!r}")
    for sysctl in pod_sc.get("sysctls") or []:
        if sysctl["name"] not in SAFE_SYSCTLS:
            problems.append(f"unsafe sysctl {sysctl['name']}")

    def selinux(where, options):
        if not options:
            return
        if options.get("type", "") not in SELINUX_TYPES:
            problems.append(f"{where}: seLinuxOptions.type {options['type']!r}")
        if options.get("user") or options.get("role"):
            problems.append(f"{where}: seLinuxOptions user/role set")

    def profiles(where, sc):
        if (sc.get("seccompProfile") or {}).get("type") == "Unconfined":
            problems.append(f"{where}: seccomp Unconfined")
        if (sc.get("appArmorProfile") or {}).get("type") == "Unconfined":
            problems.append(f"{where}: AppArmor Unconfined")

    selinux("pod", pod_sc.get("seLinuxOptions"))
    profiles("pod", pod_sc)
    for key, value in annotations.items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and not (
            value == "runtime/default" or value.startswith("localhost/")
        ):
            problems.append(f"AppArmor annotation {key}={value}")
    for container in _all_containers(spec):
        where = container["name"]
        sc = container.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"{where}: privileged")
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            problems.append(f"{where}: HostProcess")
        added = set((sc.get("capabilities") or {}).get("add") or [])
        if added - BASELINE_CAPABILITIES:
            problems.append(f"{where}: adds capabilities {sorted(added - BASELINE_CAPABILITIES)}")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"{where}: hostPort {port['hostPort']}")
        if sc.get("procMount", "Default") != "Default":
            problems.append(f"{where}: procMount {sc['procMount']}")
        selinux(where, sc.get("seLinuxOptions"))
        profiles(where, sc)
    return problems


def _restricted(pod: dict) -> list[str]:
    spec = pod["spec"]
    pod_sc = spec.get("securityContext") or {}
    problems = []
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"volume {volume['name']!r} of type {sorted(kinds)}")
    if pod_sc.get("runAsUser") == 0:
        problems.append("pod runAsUser=0")
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
    for container in _all_containers(spec):
        where = container["name"]
        sc = container.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation not false")
        if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
            problems.append(f"{where}: runAsNonRoot not true")
        if sc.get("runAsUser") == 0:
            problems.append(f"{where}: runAsUser=0")
        if (sc.get("seccompProfile") or {}).get("type", pod_seccomp) not in (
            "RuntimeDefault",
            "Localhost",
        ):
            problems.append(f"{where}: seccomp profile not RuntimeDefault/Localhost")
        capabilities = sc.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"{where}: capabilities not dropped (ALL)")
        added = set(capabilities.get("add") or [])
        if added - {"NET_BIND_SERVICE"}:
            problems.append(f"{where}: adds {sorted(added - {'NET_BIND_SERVICE'})} (restricted)")
    return problems


def pod_security_violations(pod: dict, level: str) -> list[str]:
    """Why Pod Security admission refuses a pod {metadata, spec} at `level` (empty: admitted)."""
    assert level in LEVELS, level
    if level == "privileged":
        return []
    problems = _baseline(pod)
    if level == "restricted":
        problems += _restricted(pod)
    return problems


# --- Istio's sidecar injector (1.24) ----------------------------------------------------------
# Webhooks: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml, four
# entries for the default revision (rev.namespace, rev.object, namespace, object), each with a
# namespaceSelector on istio-injection / istio.io/rev and an objectSelector on the pod's
# sidecar.istio.io/inject / istio.io/rev labels. Template: .../files/injection-template.yaml.
# Istio's defaults (istio-discovery values.yaml, global.proxy.resources).
ISTIO_PROXY_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "2000m", "memory": "1024Mi"},
}
# pkg/kube/inject: pods in these namespaces are never injected.
ISTIO_IGNORED_NAMESPACES = {"kube-system", "kube-public"}


def webhook_injects(namespace_labels_: dict, pod_metadata: dict, host_network=False) -> bool:
    """Whether one of the four injection webhooks selects the pod and the injector's policy
    (pkg/kube/inject injectRequired) then injects it."""
    ns_injection = namespace_labels_.get("istio-injection")
    ns_rev = namespace_labels_.get("istio.io/rev")
    labels = pod_metadata.get("labels") or {}
    annotations = pod_metadata.get("annotations") or {}
    pod_inject, pod_rev = labels.get("sidecar.istio.io/inject"), labels.get("istio.io/rev")
    if namespace_labels_.get("kubernetes.io/metadata.name") in ISTIO_IGNORED_NAMESPACES:
        return False
    if host_network or annotations.get("sidecar.istio.io/inject") == "false":
        return False
    if ns_injection == "enabled":  # namespace.sidecar-injector.istio.io
        return pod_inject != "false"
    if ns_injection is not None:  # istio-injection=disabled (or anything else): no webhook
        return False
    if ns_rev == "default":  # rev.namespace.sidecar-injector.istio.io
        return pod_inject != "false"
    if ns_rev is not None:
        return False
    if pod_rev is None:  # object.sidecar-injector.istio.io
        return pod_inject == "true"
    return pod_rev == "default" and pod_inject != "false"  # rev.object.sidecar-injector.istio.io


def _proxy_resources(istiod_values: dict, annotations: dict) -> dict:
    by_annotation = {
        ("requests", "cpu"): "sidecar.istio.io/proxyCPU",
        ("requests", "memory"): "sidecar.istio.io/proxyMemory",
        ("limits", "cpu"): "sidecar.istio.io/proxyCPULimit",
        ("limits", "memory"): "sidecar.istio.io/proxyMemoryLimit",
    }
    if any(a in annotations for a in by_annotation.values()):
        resources: dict = {}
        for (bound, name), annotation in by_annotation.items():
            if annotation in annotations:
                resources.setdefault(bound, {})[name] = annotations[annotation]
        return resources
    configured = ((istiod_values.get("global") or {}).get("proxy") or {}).get("resources")
    return copy.deepcopy(configured or ISTIO_PROXY_RESOURCES)


def inject(pod: dict, istiod_values: dict) -> dict:
    """The pod as the injection template of istiod (our add-on values) returns it."""
    pod = copy.deepcopy(pod)
    spec, metadata = pod["spec"], pod.setdefault("metadata", {})
    annotations = metadata.get("annotations") or {}
    proxy_values = (istiod_values.get("global") or {}).get("proxy") or {}
    privileged = bool(proxy_values.get("privileged", False))
    cni = bool(((istiod_values.get("pilot") or {}).get("cni") or {}).get("enabled", False))
    mode = annotations.get("sidecar.istio.io/interceptionMode", "REDIRECT")
    resources = _proxy_resources(istiod_values, annotations)
    seccomp = proxy_values.get("seccompProfile")
    init_containers = list(spec.get("initContainers") or [])
    if mode != "NONE":
        security = {
            "allowPrivilegeEscalation": privileged,
            "privileged": privileged,
            "capabilities": {"drop": ["ALL"]},
        }
        if cni:
            security.update(
                readOnlyRootFilesystem=True, runAsGroup=1337, runAsUser=1337, runAsNonRoot=True
            )
        else:
            security["capabilities"]["add"] = ["NET_ADMIN", "NET_RAW"]
            security.update(
                readOnlyRootFilesystem=False, runAsGroup=0, runAsNonRoot=False, runAsUser=0
            )
        if seccomp:
            security["seccompProfile"] = seccomp
        init_containers.insert(
            0,
            {
                "name": "istio-validation" if cni else "istio-init",
                "resources": copy.deepcopy(resources),
                "securityContext": security,
            },
        )
    as_root = mode == "TPROXY" or annotations.get("sidecar.istio.io/capNetBindService") == "true"
    proxy_security = {
        "allowPrivilegeEscalation": privileged,
        "capabilities": {"drop": ["ALL"]},
        "privileged": privileged,
        "readOnlyRootFilesystem": True,
        "runAsGroup": 1337,
        "runAsNonRoot": not as_root,
        "runAsUser": 0 if as_root else 1337,
    }
    if seccomp:
        proxy_security["seccompProfile"] = seccomp
    spec["initContainers"] = init_containers
    spec["containers"] = [
        *spec["containers"],
        {
            "name": "istio-proxy",
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
            "resources": resources,
            "securityContext": proxy_security,
        },
    ]
    spec["volumes"] = [
        *(spec.get("volumes") or []),
        {"name": "workload-socket", "emptyDir": {}},
        {"name": "credential-socket", "emptyDir": {}},
        {"name": "workload-certs", "emptyDir": {}},
        {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}},
        {"name": "istio-data", "emptyDir": {}},
        {"name": "istio-podinfo", "downwardAPI": {"items": []}},
        {"name": "istio-token", "projected": {"sources": []}},
        {"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}},
    ]
    metadata.setdefault("annotations", {})["sidecar.istio.io/status"] = "injected"
    return pod


def admitted_pod(pod: dict, namespace_labels_: dict, istiod_values: dict) -> dict:
    """The pod after mutating admission: injected when a webhook selects it."""
    if webhook_injects(
        namespace_labels_, pod.get("metadata") or {}, pod["spec"].get("hostNetwork")
    ):
        return inject(pod, istiod_values)
    return copy.deepcopy(pod)


def is_injected(pod: dict) -> bool:
    return any(c["name"] == "istio-proxy" for c in pod["spec"]["containers"])


# --- ResourceQuota accounting -----------------------------------------------------------------

RESOURCES = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def container_usage(container: dict, limit_range: dict | None) -> dict[str, Fraction]:
    """A container's requests and limits after the LimitRanger: missing limits take the
    default, missing requests take the limit when one is set, else the default request."""
    resources = container.get("resources") or {}
    usage = {}
    for name in ("cpu", "memory"):
        limit = (resources.get("limits") or {}).get(name)
        if limit is None and limit_range:
            limit = limit_range["default"].get(name)
        request = (resources.get("requests") or {}).get(name)
        if request is None:
            request = limit if (resources.get("limits") or {}).get(name) is not None else None
        if request is None and limit_range:
            request = limit_range["default_request"].get(name)
        usage[f"requests.{name}"] = quantity(request) if request is not None else Fraction(0)
        usage[f"limits.{name}"] = quantity(limit) if limit is not None else Fraction(0)
    return usage


def pod_usage(spec: dict, limit_range: dict | None) -> dict[str, Fraction]:
    """What one pod counts against a ResourceQuota: per resource the larger of the sum of its
    containers (plus native sidecars) and its largest init container (plus the sidecars started
    before it), as kube's resource helpers (PodRequests/PodLimits) compute it."""
    totals = dict.fromkeys(RESOURCES, Fraction(0))
    for container in spec["containers"]:
        for key, value in container_usage(container, limit_range).items():
            totals[key] += value
    sidecars = dict.fromkeys(RESOURCES, Fraction(0))
    init_peak = dict.fromkeys(RESOURCES, Fraction(0))
    for container in spec.get("initContainers") or []:
        usage = container_usage(container, limit_range)
        if container.get("restartPolicy") == "Always":
            for key in RESOURCES:
                sidecars[key] += usage[key]
        else:
            for key in RESOURCES:
                init_peak[key] = max(init_peak[key], sidecars[key] + usage[key])
    return {key: max(totals[key] + sidecars[key], init_peak[key]) for key in RESOURCES}


def surge(max_surge, replicas: int) -> int:
    """Extra pods of a RollingUpdate: an integer, or a percentage of replicas rounded up (the
    Deployment default is 25%)."""
    if max_surge is None:
        max_surge = "25%"
    if isinstance(max_surge, str) and max_surge.endswith("%"):
        return math.ceil(int(max_surge[:-1]) * replicas / 100)
    return int(max_surge)


# --- Upstream add-on charts (cannot be downloaded here) ---------------------------------------
# Per chart@version: the namespaces it renders into for given values, read from its templates.
# A chart or version missing here fails the test, so a bump is re-read against its templates.


def _get(values: dict, dotted: str, default=None):
    node = values
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def _release_namespace(values: dict, release_namespace: str, key="namespaceOverride") -> str:
    return _get(values, key) or release_namespace


def _istio_namespaces(values, release_namespace):
    # istio 1.24 manifests/charts/{base,istio-cni,istio-control/istio-discovery,gateway}/
    # templates/*.yaml: every namespaced object has `namespace: {{ .Release.Namespace }}`, except
    # base's reader ServiceAccount in {{ .Values.global.istioNamespace }} (default istio-system).
    return {release_namespace, _get(values, "global.istioNamespace", "istio-system")}


def _istio_gateway_namespaces(values, release_namespace):
    # gateway chart templates: {{ .Release.Namespace }} only.
    return {release_namespace}


# kube-prometheus-stack: templates/exporters/{core-dns,kube-dns,kube-controller-manager,
# kube-etcd,kube-proxy,kube-scheduler}/service.yaml (and endpoints.yaml when endpoints are given)
# hard-code `namespace: kube-system`, rendered when `<exporter>.enabled`,
# `<exporter>.service.enabled` and `kubernetesServiceMonitors.enabled` are all true (upstream
# defaults: true, except kubeDns). Read at the 6x chart line (template paths above).
# Everything else, additionalServiceMonitors included, goes to `namespaceOverride` or the release
# namespace; the subcharts grafana, kube-state-metrics, prometheus-node-exporter honour their own
# `namespaceOverride`.
KPS_KUBE_SYSTEM_EXPORTERS = {
    "coreDns": True,
    "kubeDns": False,
    "kubeControllerManager": True,
    "kubeEtcd": True,
    "kubeProxy": True,
    "kubeScheduler": True,
}


def _kps_namespaces(values, release_namespace):
    own = _release_namespace(values, release_namespace)
    namespaces = {own}
    for subchart in ("grafana", "kube-state-metrics", "prometheus-node-exporter"):
        namespaces.add(_get(values, f"{subchart}.namespaceOverride") or own)
    if _get(values, "kubernetesServiceMonitors.enabled", True):
        for exporter, enabled_by_default in KPS_KUBE_SYSTEM_EXPORTERS.items():
            if _get(values, f"{exporter}.enabled", enabled_by_default) and _get(
                values, f"{exporter}.service.enabled", True
            ):
                namespaces.add("kube-system")
    return namespaces


def _own_namespace(values, release_namespace):
    # loki 6.23.0, alloy 0.10.1, cloudnative-pg 0.23.0, bitnami redis 20.6.1 and minio 14.6.7:
    # every template's namespace is `namespaceOverride` or `.Release.Namespace` (their
    # `*.namespace` helpers; bitnami's is common.names.namespace).
    return {_release_namespace(values, release_namespace)}


UPSTREAM_NAMESPACES = {
    ("base", "1.24.2"): _istio_namespaces,
    ("cni", "1.24.2"): _istio_namespaces,
    ("istiod", "1.24.2"): _istio_namespaces,
    ("gateway", "1.24.2"): _istio_gateway_namespaces,
    ("kube-prometheus-stack", "66.3.1"): _kps_namespaces,
    ("loki", "6.23.0"): _own_namespace,
    ("alloy", "0.10.1"): _own_namespace,
    ("cloudnative-pg", "0.23.0"): _own_namespace,
    ("redis", "20.6.1"): _own_namespace,
    ("minio", "14.6.7"): _own_namespace,
}

# Pods of upstream charts that need more than the restricted level, as their templates make
# them with our values (only the fields Pod Security admission reads).
# - istio cni 1.24.2 templates/daemonset.yaml: install-cni runs as root with NET_ADMIN, NET_RAW,
#   SYS_PTRACE, SYS_ADMIN, DAC_OVERRIDE and hostPath mounts of the CNI bin/conf dirs, /proc and
#   /var/run/istio-cni (it writes the CNI plugin onto the node).
# - prometheus-node-exporter (kube-prometheus-stack 66.3.1 subchart) templates/daemonset.yaml:
#   hostNetwork, hostPID and hostPath /proc, /sys and / (hostRootFsMount) by default.
UPSTREAM_PRIVILEGED_PODS = {
    ("cni", "1.24.2"): {
        "metadata": {"name": "istio-cni-node"},
        "spec": {
            "containers": [
                {
                    "name": "install-cni",
                    "securityContext": {
                        "privileged": False,
                        "runAsUser": 0,
                        "runAsNonRoot": False,
                        "capabilities": {
                            "drop": ["ALL"],
                            "add": [
                                "NET_ADMIN",
                                "NET_RAW",
                                "SYS_PTRACE",
                                "SYS_ADMIN",
                                "DAC_OVERRIDE",
                            ],
                        },
                    },
                }
            ],
            "volumes": [
                {"name": "cni-bin-dir", "hostPath": {"path": "/opt/cni/bin"}},
                {"name": "cni-host-procfs", "hostPath": {"path": "/proc"}},
                {"name": "cni-net-dir", "hostPath": {"path": "/etc/cni/net.d"}},
                {"name": "cni-socket-dir", "hostPath": {"path": "/var/run/istio-cni"}},
            ],
        },
    },
    ("kube-prometheus-stack", "66.3.1"): {
        "metadata": {"name": "kube-prometheus-stack-prometheus-node-exporter"},
        "spec": {
            "hostNetwork": True,
            "hostPID": True,
            "containers": [{"name": "node-exporter", "securityContext": {}}],
            "volumes": [
                {"name": "proc", "hostPath": {"path": "/proc"}},
                {"name": "sys", "hostPath": {"path": "/sys"}},
                {"name": "root", "hostPath": {"path": "/"}},
            ],
        },
    },
}

# The Prometheus pod of kube-prometheus-stack 66.3.1 (release kube-prometheus-stack): the
# operator names the Prometheus `<fullname>-prometheus` and labels its pods (prometheus-operator
# pkg/prometheus/server/statefulset.go: app.kubernetes.io/name=prometheus,
# app.kubernetes.io/instance=<name>, prometheus=<name>, operator.prometheus.io/name=<name>),
# plus prometheusSpec.podMetadata from our values.
KPS_PROMETHEUS_NAME = "kube-prometheus-stack-prometheus"
KPS_PROMETHEUS_LABELS = {
    "app.kubernetes.io/name": "prometheus",
    "app.kubernetes.io/managed-by": "prometheus-operator",
    "app.kubernetes.io/instance": KPS_PROMETHEUS_NAME,
    "operator.prometheus.io/name": KPS_PROMETHEUS_NAME,
    "operator.prometheus.io/shard": "0",
    "prometheus": KPS_PROMETHEUS_NAME,
}

# CloudNativePG (operator 1.25, chart 0.23.0): instance pods carry cnpg.io/cluster=<cluster>;
# `monitoring.enablePodMonitor: true` makes the operator create a PodMonitor <cluster> selecting
# them on port `metrics` (9187); the operator (namespace of its chart, pods
# app.kubernetes.io/name=cloudnative-pg) polls each instance's status port 8000.
CNPG_METRICS_PORT = {"name": "metrics", "containerPort": 9187}
CNPG_STATUS_PORT = 8000
CNPG_OPERATOR_LABELS = {"app.kubernetes.io/name": "cloudnative-pg"}


def cnpg_instance_pods(cluster: dict) -> list[dict]:
    """The instance pods the CloudNativePG operator makes for a Cluster (pkg/specs/pods.go):
    postgres plus its bootstrap-controller init container, both with spec.resources, as uid 26
    with RuntimeDefault seccomp, no privilege escalation, all capabilities dropped; labels
    cnpg.io/cluster and spec.inheritedMetadata."""
    spec = cluster["spec"]
    name = cluster["metadata"]["name"]
    security = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    labels = {
        **((spec.get("inheritedMetadata") or {}).get("labels") or {}),
        "cnpg.io/cluster": name,
        "cnpg.io/podRole": "instance",
    }
    return [
        {
            "kind": "Pod",
            "metadata": {
                "name": f"{name}-{index}",
                "namespace": cluster["metadata"].get("namespace"),
                "labels": {**labels, "cnpg.io/instanceName": f"{name}-{index}"},
                "annotations": dict((spec.get("inheritedMetadata") or {}).get("annotations") or {}),
            },
            "spec": {
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": 26,
                    "runAsGroup": 26,
                    "fsGroup": 26,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "initContainers": [
                    {
                        "name": "bootstrap-controller",
                        "resources": copy.deepcopy(spec.get("resources") or {}),
                        "securityContext": dict(security),
                    }
                ],
                "containers": [
                    {
                        "name": "postgres",
                        "ports": [
                            {"name": "postgresql", "containerPort": 5432, "protocol": "TCP"},
                            {**CNPG_METRICS_PORT, "protocol": "TCP"},
                            {
                                "name": "status",
                                "containerPort": CNPG_STATUS_PORT,
                                "protocol": "TCP",
                            },
                        ],
                        "resources": copy.deepcopy(spec.get("resources") or {}),
                        "securityContext": dict(security),
                    }
                ],
                "volumes": [
                    {"name": "pgdata", "persistentVolumeClaim": {"claimName": f"{name}-{index}"}},
                    {"name": "scratch-data", "emptyDir": {}},
                    {"name": "shm", "emptyDir": {"medium": "Memory"}},
                ],
            },
        }
        for index in range(1, int(spec.get("instances", 1)) + 1)
    ]


def cnpg_pod_monitor(cluster: dict) -> dict | None:
    """The PodMonitor the operator creates for `monitoring.enablePodMonitor: true`."""
    if not (cluster["spec"].get("monitoring") or {}).get("enablePodMonitor"):
        return None
    name = cluster["metadata"]["name"]
    return {
        "kind": "PodMonitor",
        "metadata": {"name": name, "namespace": cluster["metadata"].get("namespace")},
        "spec": {
            "selector": {"matchLabels": {"cnpg.io/cluster": name}},
            "podMetricsEndpoints": [{"port": CNPG_METRICS_PORT["name"]}],
        },
    }


# --- label selectors and NetworkPolicies --------------------------------------------------------


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector (matchLabels and matchExpressions); an empty one matches everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _port_number(port, pod: dict):
    """A NetworkPolicy/Service port (number or container port name) as a number on the pod."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for container in pod["spec"]["containers"]:
        for container_port in container.get("ports") or []:
            if container_port.get("name") == port:
                return container_port["containerPort"]
    return None


def _rule_ports_allow(ports: list | None, number: int, pod: dict, protocol="TCP") -> bool:
    if not ports:
        return True
    for port in ports:
        if port.get("protocol", "TCP") != protocol:
            continue
        if "port" not in port:
            return True
        start = _port_number(port["port"], pod)
        end = port.get("endPort", start)
        if start is not None and start <= number <= end:
            return True
    return False


def _peer_matches(peer: dict, policy_namespace: str, other_ns_labels: dict, other_labels: dict):
    if "ipBlock" in peer:
        return False  # pod-to-pod traffic is matched by selectors here
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], other_ns_labels):
            return False
    elif other_ns_labels.get("kubernetes.io/metadata.name") != policy_namespace:
        return False
    return selector_matches(peer.get("podSelector"), other_labels)


def _isolating(policies, namespace_name, labels, direction):
    return [
        p
        for p in policies
        if (p["metadata"].get("namespace") or namespace_name) == namespace_name
        and selector_matches(p["spec"].get("podSelector"), labels)
        and direction in (p["spec"].get("policyTypes") or ["Ingress"])
    ]


def ingress_allowed(policies, pod: dict, namespace_name: str, port: int, source_ns_labels, source):
    """Whether NetworkPolicies let `source` (pod labels in a namespace) reach `pod` on `port`."""
    labels = pod["metadata"].get("labels") or {}
    isolating = _isolating(policies, namespace_name, labels, "Ingress")
    if not isolating:
        return True
    return any(
        _rule_ports_allow(rule.get("ports"), port, pod)
        and (
            not rule.get("from")
            or any(
                _peer_matches(peer, namespace_name, source_ns_labels, source)
                for peer in rule["from"]
            )
        )
        for policy in isolating
        for rule in policy["spec"].get("ingress") or []
    )


def egress_allowed(
    policies, pod: dict, namespace_name: str, port: int, dest_ns_labels, dest, protocol="TCP"
):
    """Whether NetworkPolicies let `pod` open a connection to `dest` (labels) on `port`."""
    labels = pod["metadata"].get("labels") or {}
    isolating = _isolating(policies, namespace_name, labels, "Egress")
    if not isolating:
        return True
    destination_pod = {"spec": {"containers": []}}
    return any(
        _rule_ports_allow(rule.get("ports"), port, destination_pod, protocol)
        and (
            not rule.get("to")
            or any(_peer_matches(peer, namespace_name, dest_ns_labels, dest) for peer in rule["to"])
        )
        for policy in isolating
        for rule in policy["spec"].get("egress") or []
    )


# Loki 6.23.0 deploys two memcached StatefulSets whatever the deploymentMode
# (templates/memcached/_memcached-statefulset.tpl, values chunksCache/resultsCache): without
# `resources`, the memcached container requests 500m and round(allocatedMemory * 1.2) Mi and is
# limited to that memory; its exporter sidecar sets none (LimitRange defaults).
LOKI_CACHES = {"chunksCache": 8192, "resultsCache": 1024}  # allocatedMemory defaults (MB)


def loki_cache_pods(values: dict) -> list[dict]:
    pods = []
    for cache, allocated_default in LOKI_CACHES.items():
        settings = values.get(cache) or {}
        if not settings.get("enabled", True):
            continue
        memory = f"{(int(settings.get('allocatedMemory', allocated_default)) * 12 + 5) // 10}Mi"
        resources = settings.get("resources") or {
            "requests": {"cpu": "500m", "memory": memory},
            "limits": {"memory": memory},
        }
        for index in range(int(settings.get("replicas", 1))):
            pods.append(
                {
                    "metadata": {"name": f"loki-{cache}-{index}"},
                    "spec": {
                        "containers": [
                            {"name": "memcached", "resources": resources},
                            {"name": "exporter"},
                        ]
                    },
                }
            )
    return pods


# --- EKS: the control plane reaches the admission webhooks ---------------------------------------
# terraform-aws-modules/eks 20.x node_groups.tf, node_security_group_recommended_rules (on unless
# node_security_group_enable_recommended_rules = false): from the cluster security group to the
# nodes on 443, 4443, 6443, 8443, 9443 (webhooks) and 10250 (kubelet).
EKS_RECOMMENDED_WEBHOOK_PORTS = {443, 4443, 6443, 8443, 9443, 10250}
# The container port each add-on's admission webhooks listen on (what the API server dials,
# the pod IP being a node ENI address under the VPC CNI):
# - istiod 1.24.2 templates/service.yaml: https-webhook 443 -> targetPort 15017;
# - cloudnative-pg 0.23.0 values webhook.port: 9443;
# - kube-prometheus-stack 66.3.1: the operator serves its admission webhook on
#   prometheusOperator.tls.internalPort, 10250.
WEBHOOK_PORTS = {
    ("istiod", "1.24.2"): 15017,
    ("cloudnative-pg", "0.23.0"): 9443,
    ("kube-prometheus-stack", "66.3.1"): 10250,
}


def eks_control_plane_ports(module_dir: Path) -> set[int]:
    """Ports the nodes accept from the EKS control plane, from the eks module call."""
    body = None
    for block in _hcl(module_dir / "main.tf").get("module", []):
        for name, spec in _entries(block).items():
            if name == "this" and "terraform-aws-modules/eks/aws" in spec["source"]:
                body = spec
    assert body, f"{module_dir}: no terraform-aws-modules/eks/aws call"
    ports = set()
    if body.get("node_security_group_enable_recommended_rules", True) is not False:
        ports |= EKS_RECOMMENDED_WEBHOOK_PORTS
    for rule in (body.get("node_security_group_additional_rules") or {}).values():
        if _unquote(rule.get("type")) == "ingress" and rule.get("source_cluster_security_group"):
            ports |= set(range(int(rule["from_port"]), int(rule["to_port"]) + 1))
    return ports
