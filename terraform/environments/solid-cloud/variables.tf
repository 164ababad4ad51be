variable "cluster_api_server" {
  description = "URL of the cluster's Kubernetes API server (K8S_API_SERVER in .env.k8s)."
  type        = string
}

variable "cluster_token" {
  description = "Bearer token of a cluster-admin service account (K8S_TOKEN in .env.k8s). Set through TF_VAR_cluster_token, never in a file."
  type        = string
  sensitive   = true
}

variable "cluster_ca_certificate" {
  description = "Base64-encoded CA certificate of the API server (K8S_CA_CERT in .env.k8s)."
  type        = string
}

variable "environment" {
  description = "GitOps environment this cluster runs (staging or prod)."
  type        = string
}
