output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.this.cluster_name
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = module.this.cluster_endpoint
}

output "cluster_ca_certificate" {
  description = "Base64-encoded CA certificate of the API server."
  value       = module.this.cluster_certificate_authority_data
}

output "node_security_group_id" {
  description = "Security group of the nodes (databases allow it in)."
  value       = module.this.node_security_group_id
}

output "oidc_provider_arn" {
  description = "OIDC provider for further IAM roles for service accounts."
  value       = module.this.oidc_provider_arn
}
