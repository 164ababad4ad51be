output "root_application" {
  description = "Root Application Argo CD syncs this cluster from."
  value       = module.argocd.root_application
}

output "namespaces" {
  description = "Namespaces Terraform created."
  value       = module.namespaces.names
}
