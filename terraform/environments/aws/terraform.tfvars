# No secrets here. Credentials come from the AWS_* environment (or an assumed role).
region                = "eu-central-1"
availability_zones    = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
environment           = "prod"
vpc_cidr              = "10.40.0.0/16"
kubernetes_version    = "1.31"
public_endpoint_cidrs = ["203.0.113.0/24"]
