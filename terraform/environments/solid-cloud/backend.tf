# Remote state in S3-compatible object storage with native lock files (Terraform >= 1.10).
# Bucket, region and endpoint are given at init time, never committed with credentials:
#   terraform init -backend-config=backend.hcl    (copy backend.hcl.example; see terraform/README.md)
terraform {
  backend "s3" {
    key          = "titanium/solid-cloud/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
