# Remote state in S3 with native lock files (Terraform >= 1.10), encrypted. The bucket is made
# once by hand (versioning + SSE-KMS + public access block, see terraform/README.md) and named
# at init time:  terraform init -backend-config=backend.hcl
terraform {
  backend "s3" {
    key          = "titanium/aws/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
