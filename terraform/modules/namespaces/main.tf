# ---------------------------------------------------------------------------------------------
# Namespaces
# ---------------------------------------------------------------------------------------------
resource "kubernetes_namespace_v1" "this" {
  for_each = var.namespaces

  metadata {
    name = each.key
    labels = {
      "app.kubernetes.io/part-of"          = "titanium"
      "app.kubernetes.io/managed-by"       = "terraform"
      "istio-injection"                    = each.value.istio_injection ? "enabled" : "disabled"
      "pod-security.kubernetes.io/enforce" = each.value.istio_injection ? "restricted" : "baseline"
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Quotas: a namespace cannot starve the cluster
# ---------------------------------------------------------------------------------------------
resource "kubernetes_resource_quota_v1" "this" {
  for_each = var.namespaces

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
  for_each = var.namespaces

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
