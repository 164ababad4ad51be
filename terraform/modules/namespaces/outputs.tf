output "names" {
  description = "Names of the namespaces created."
  value       = [for ns in kubernetes_namespace_v1.this : ns.metadata[0].name]
}
