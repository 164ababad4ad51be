output "vpc_id" {
  description = "ID of the VPC."
  value       = module.this.vpc_id
}

output "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  value       = module.this.vpc_cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (EKS nodes and pods)."
  value       = module.this.private_subnets
}

output "database_subnet_group_name" {
  description = "Subnet group for RDS and ElastiCache."
  value       = module.this.database_subnet_group_name
}

output "database_subnet_ids" {
  description = "Isolated database subnets."
  value       = module.this.database_subnets
}
