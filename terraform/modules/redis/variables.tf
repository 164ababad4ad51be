variable "name" {
  description = "Replication group ID of the Redis cluster."
  type        = string
}

variable "engine_version" {
  description = "Redis OSS engine version."
  type        = string
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "replicas" {
  description = "Read replicas besides the primary (at least 1: failover is always on)."
  type        = number

  validation {
    condition     = var.replicas >= 1
    error_message = "At least one replica: automatic failover and Multi-AZ are always enabled."
  }
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the cache (the isolated database subnets)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (the EKS nodes)."
  type        = list(string)
}
