variable "name" {
  description = "Name prefix of the VPC and everything in it."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones to spread subnets over (at least two, for EKS and RDS)."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, staging) instead of one per zone (prod)."
  type        = bool
  default     = false
}
