locals {
  app_namespace = "titanium-${var.environment}"
}

# ---------------------------------------------------------------------------------------------
# Namespaces and quotas (Argo CD's CreateNamespace finds them already there)
# ---------------------------------------------------------------------------------------------
module "namespaces" {
  source = "../../modules/namespaces"

  namespaces = {
    # Istio's control plane and CNI node agent: the agent (a DaemonSet) installs the CNI plugin
    # on every node as root with NET_ADMIN/SYS_ADMIN and hostPath mounts, so `privileged`,
    # stated here so that no cluster-wide default can tighten it. No quota: istiod and the agent
    # size themselves per node and must never be refused.
    istio-system = {
      pod_security    = "privileged"
      istio_injection = null
    }
    # The Istio ingress gateway, and its certificate: the Secret titanium-tls that
    # scripts/make-secrets.sh creates here (docs/deploy.md) must find the namespace in place
    # before Argo CD syncs the gateway. Its pods run unprivileged, injected by their own label.
    istio-ingress = {
      pod_security    = "baseline"
      istio_injection = null
    }
    # The services, their hooks and tests, and (staging) the CloudNativePG instances; every
    # service pod gets an Istio sidecar (resources: istiod's global.proxy.resources in
    # argocd/apps/values.yaml). Sized by tests/delivery/test_cluster_rules.py, which sums
    # everything at HPA max plus a rolling update's surge, the migration Jobs and the smoke Pod.
    # Needed then: requests 4.71 CPU / 9.59Gi, limits 39.1 CPU / 22.2Gi, 32 pods;
    # the quota leaves 20-25 % headroom.
    (local.app_namespace) = {
      pod_security    = "restricted"
      istio_injection = "enabled"
      quota = {
        requests_cpu    = "6"
        requests_memory = "12Gi"
        limits_cpu      = "48"
        limits_memory   = "28Gi"
        pods            = 60
      }
    }
    # kube-prometheus-stack, Loki, Alloy. `privileged`: the stack's node-exporter DaemonSet
    # runs in the host's network and PID namespaces with hostPath /proc, /sys and /, which
    # baseline refuses. No istio-injection label: with `disabled` no injection webhook would
    # look at the Prometheus pod, whose sidecar.istio.io/inject=true gets it the sidecar that
    # writes the mesh certificates its ServiceMonitors scrape with.
    monitoring = {
      pod_security    = "privileged"
      istio_injection = null
      quota = {
        requests_cpu    = "3"
        requests_memory = "8Gi"
        limits_cpu      = "6"
        limits_memory   = "16Gi"
        pods            = 40
      }
    }
    # The Redis add-on (staging): outside the mesh, no privileges needed.
    redis = {
      pod_security    = "baseline"
      istio_injection = "disabled"
      quota = {
        requests_cpu    = "500m"
        requests_memory = "1Gi"
        limits_cpu      = "1"
        limits_memory   = "2Gi"
        pods            = 5
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Argo CD, the AppProjects and the root Application; Argo CD does the rest
# ---------------------------------------------------------------------------------------------
module "argocd" {
  source = "../../modules/argocd"

  environment = var.environment
  argocd_dir  = "${path.root}/../../../argocd"

  depends_on = [module.namespaces]
}
