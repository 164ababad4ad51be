output "bucket" {
  description = "Name of the bucket (MEDIA_STORAGE_URL s3://<bucket>/<prefix>)."
  value       = aws_s3_bucket.this.bucket
}

output "role_arn" {
  description = "IAM role for the webapp's service account (annotation eks.amazonaws.com/role-arn)."
  value       = module.role.iam_role_arn
}

output "kms_key_arn" {
  description = "KMS key the bucket's objects are encrypted with."
  value       = module.kms.arn
}
