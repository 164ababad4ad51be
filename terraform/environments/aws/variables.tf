variable "region" {
  description = "AWS region."
  type        = string
}

variable "availability_zones" {
  description = "Zones to spread the VPC, nodes, RDS and ElastiCache over."
  type        = list(string)
}

variable "environment" {
  description = "GitOps environment this cluster runs (staging or prod)."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
}

variable "public_endpoint_cidrs" {
  description = "CIDRs allowed to reach the EKS API endpoint (operators, CI)."
  type        = list(string)
}
