variable "name" {
  description = "Name of the EKS cluster."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and nodes."
  type        = string
}

variable "vpc_id" {
  description = "VPC the cluster runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the control plane ENIs and the nodes."
  type        = list(string)
}

variable "public_endpoint_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint (CI runners, operators). Empty = private endpoint only."
  type        = list(string)
}

variable "node_instance_types" {
  description = "Instance types of the managed node group."
  type        = list(string)
}

variable "node_count" {
  description = "Minimum, desired and maximum node count."
  type = object({
    min     = number
    desired = number
    max     = number
  })
}
