output "cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "postgres_address" {
  description = "RDS PostgreSQL host for the services' DATABASE_URL Secrets."
  value       = module.postgres.address
}

output "postgres_master_secret_arn" {
  description = "Secrets Manager secret with the RDS master credentials."
  value       = module.postgres.master_user_secret_arn
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary endpoint for the services' REDIS_URL Secret (rediss://)."
  value       = module.redis.primary_endpoint
}

output "redis_auth_secret_arn" {
  description = "Secrets Manager secret with the ElastiCache AUTH token."
  value       = module.redis.auth_secret_arn
}

output "media_bucket" {
  description = "Bucket of uploaded images: the webapp's MEDIA_STORAGE_URL is s3://<this>/media."
  value       = module.media.bucket
}

output "webapp_media_role_arn" {
  description = "IAM role of the webapp's service account (its eks.amazonaws.com/role-arn annotation)."
  value       = module.media.role_arn
}

output "root_application" {
  description = "Root Application Argo CD syncs this cluster from."
  value       = module.argocd.root_application
}
