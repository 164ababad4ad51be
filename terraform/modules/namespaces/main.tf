locals {
  # Only namespaces with a quota get a ResourceQuota and the LimitRange that a quota on limits
  # needs (a container without limits is refused where limits.* are quota'd).
  with_quota = { for name, ns in var.namespaces : name => ns if ns.quota != null }
}

# ---------------------------------------------------------------------------------------------
# Namespaces: the Pod Security level they enforce and how Istio's injector treats them
# ---------------------------------------------------------------------------------------------
resource "kubernetes_namespace_v1" "this" {
  for_each = var.namespaces

  metadata {
    name = each.key
    labels = merge(
      {
        "app.kubernetes.io/part-of"          = "titanium"
        "app.kubernetes.io/managed-by"       = "terraform"
        "pod-security.kubernetes.io/enforce" = each.value.pod_security
      },
      # No label at all lets a pod's own sidecar.istio.io/inject=true select it; "disabled"
      # turns every injection webhook off for the namespace, whatever the pod says.
      each.value.istio_injection == null ? {} : { "istio-injection" = each.value.istio_injection },
    )
  }
}

# ---------------------------------------------------------------------------------------------
# Quotas: a namespace cannot starve the cluster
# ---------------------------------------------------------------------------------------------
resource "kubernetes_resource_quota_v1" "this" {
  for_each = local.with_quota

  metadata {
    name      = "quota"
    namespace = kubernetes_namespace_v1.this[each.key].metadata[0].name
  }

  spec {
    hard = {
      "requests.cpu"    = each.value.quota.requests_cpu
      "requests.memory" = each.value.quota.requests_memory
      "limits.cpu"      = each.value.quota.limits_cpu
      "limits.memory"   = each.value.quota.limits_memory
      "pods"            = each.value.quota.pods
    }
  }
}

resource "kubernetes_limit_range_v1" "this" {
  for_each = local.with_quota

  metadata {
    name      = "defaults"
    namespace = kubernetes_namespace_v1.this[each.key].metadata[0].name
  }

  spec {
    limit {
      type = "Container"
      default_request = {
        cpu    = var.default_container_resources.request_cpu
        memory = var.default_container_resources.request_memory
      }
      default = {
        cpu    = var.default_container_resources.limit_cpu
        memory = var.default_container_resources.limit_memory
      }
    }
  }
}
