variable "name" {
  description = "Identifier of the RDS instance."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major.minor version."
  type        = string
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB (autoscaling up to four times this)."
  type        = number
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "db_subnet_group_name" {
  description = "Subnet group (isolated database subnets)."
  type        = string
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432 (the EKS nodes)."
  type        = list(string)
}

variable "multi_az" {
  description = "Standby in a second zone (prod)."
  type        = bool
}
