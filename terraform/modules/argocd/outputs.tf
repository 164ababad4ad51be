output "namespace" {
  description = "Namespace Argo CD runs in."
  value       = helm_release.this.namespace
}

output "root_application" {
  description = "Name of the root Application this cluster syncs from."
  value       = local.root_app.metadata.name
}

output "projects" {
  description = "AppProjects applied."
  value       = keys(local.projects)
}
