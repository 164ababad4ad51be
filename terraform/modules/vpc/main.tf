locals {
  # /20 private subnets for pods and nodes, /24 public for load balancers, /24 for databases.
  private_subnets  = [for i, _ in var.availability_zones : cidrsubnet(var.cidr, 4, i)]
  public_subnets   = [for i, _ in var.availability_zones : cidrsubnet(var.cidr, 8, 200 + i)]
  database_subnets = [for i, _ in var.availability_zones : cidrsubnet(var.cidr, 8, 210 + i)]
}

# ---------------------------------------------------------------------------------------------
# VPC: private nodes, public load balancers, isolated database subnets
# ---------------------------------------------------------------------------------------------
module "this" {
  #checkov:skip=CKV_TF_1:Registry module pinned by version constraint (STYLE.md section 9); the registry protocol has no commit pin
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.17"

  name = var.name
  cidr = var.cidr
  azs  = var.availability_zones

  private_subnets  = local.private_subnets
  public_subnets   = local.public_subnets
  database_subnets = local.database_subnets

  create_database_subnet_group       = true
  create_database_subnet_route_table = true

  enable_nat_gateway   = true
  single_nat_gateway   = var.single_nat_gateway
  enable_dns_hostnames = true
  enable_dns_support   = true

  manage_default_security_group  = true
  default_security_group_ingress = []
  default_security_group_egress  = []

  enable_flow_log                                 = true
  create_flow_log_cloudwatch_log_group            = true
  create_flow_log_cloudwatch_iam_role             = true
  flow_log_cloudwatch_log_group_retention_in_days = 365

  public_subnet_tags = {
    "kubernetes.io/role/elb" = 1
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = 1
  }
}
