variable "name" {
  description = "Name of the bucket (globally unique) and prefix of its role and policy."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The EKS cluster's OIDC provider (IRSA) the webapp's service account signs in with."
  type        = string
}

variable "service_account" {
  description = "The webapp's service account as namespace:name, the only one that may assume the role."
  type        = string
}

variable "prefix" {
  description = "Key prefix the webapp keeps uploads under (MEDIA_STORAGE_URL s3://<bucket>/<prefix>)."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object's old version is kept before it expires."
  type        = number
}
