variable "namespaces" {
  description = "Namespaces to create. pod_security is the Pod Security Standard the namespace enforces (privileged, baseline or restricted); istio_injection is the value of its istio-injection label (enabled or disabled), null for no label, so Istio's per-pod sidecar.istio.io/inject label decides; quota, when set, adds a ResourceQuota and a LimitRange with default_container_resources."
  type = map(object({
    pod_security    = string
    istio_injection = optional(string)
    quota = optional(object({
      requests_cpu    = string
      requests_memory = string
      limits_cpu      = string
      limits_memory   = string
      pods            = number
    }))
  }))

  validation {
    condition     = alltrue([for ns in var.namespaces : contains(["privileged", "baseline", "restricted"], ns.pod_security)])
    error_message = "pod_security must be privileged, baseline or restricted."
  }

  validation {
    condition     = alltrue([for ns in var.namespaces : contains(["enabled", "disabled", "unlabelled"], coalesce(ns.istio_injection, "unlabelled"))])
    error_message = "istio_injection must be enabled, disabled or null."
  }
}

variable "default_container_resources" {
  description = "LimitRange defaults for containers that set no requests or limits."
  type = object({
    request_cpu    = string
    request_memory = string
    limit_cpu      = string
    limit_memory   = string
  })
  default = {
    request_cpu    = "50m"
    request_memory = "64Mi"
    limit_cpu      = "500m"
    limit_memory   = "256Mi"
  }
}
