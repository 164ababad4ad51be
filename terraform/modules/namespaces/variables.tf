variable "namespaces" {
  description = "Namespaces to create, each with a ResourceQuota and a LimitRange. istio_injection labels the namespace for the sidecar."
  type = map(object({
    istio_injection = bool
    quota = object({
      requests_cpu    = string
      requests_memory = string
      limits_cpu      = string
      limits_memory   = string
      pods            = number
    })
  }))
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
