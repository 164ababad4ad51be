# ---------------------------------------------------------------------------------------------
# Secrets encryption key
# ---------------------------------------------------------------------------------------------
module "kms" {
  source = "../kms-key"

  description = "${var.name}: envelope encryption of Kubernetes Secrets"
}

# ---------------------------------------------------------------------------------------------
# Cluster and managed node group
# ---------------------------------------------------------------------------------------------
module "this" {
  #checkov:skip=CKV_TF_1:Registry module pinned by version constraint (STYLE.md section 9); the registry protocol has no commit pin
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.31"

  cluster_name    = var.name
  cluster_version = var.kubernetes_version

  vpc_id     = var.vpc_id
  subnet_ids = var.subnet_ids

  cluster_endpoint_private_access      = true
  cluster_endpoint_public_access       = length(var.public_endpoint_cidrs) > 0
  cluster_endpoint_public_access_cidrs = var.public_endpoint_cidrs

  enable_cluster_creator_admin_permissions = true
  enable_irsa                              = true

  create_kms_key = false
  cluster_encryption_config = {
    provider_key_arn = module.kms.arn
    resources        = ["secrets"]
  }
  cluster_enabled_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  cluster_addons = {
    coredns    = {}
    kube-proxy = {}
    vpc-cni = {
      before_compute = true
      # Kubernetes NetworkPolicies (the chart's default-deny) are enforced by the VPC CNI.
      configuration_values = jsonencode({ enableNetworkPolicy = "true" })
    }
    aws-ebs-csi-driver = {
      service_account_role_arn = module.ebs_csi_irsa.iam_role_arn
    }
  }

  # The API server calls admission webhooks on the pods' own ports, through the node security
  # group. The module's recommended rules open 443, 4443, 6443, 8443, 9443 (CloudNativePG) and
  # 10250 (kubelet, prometheus-operator) from the control plane; istiod's injection and
  # validation webhooks listen on 15017, without which no pod is created in an injected
  # namespace (failurePolicy Fail).
  node_security_group_additional_rules = {
    ingress_cluster_15017_istiod_webhook = {
      description                   = "Cluster API to istiod's admission webhooks"
      protocol                      = "tcp"
      from_port                     = 15017
      to_port                       = 15017
      type                          = "ingress"
      source_cluster_security_group = true
    }
  }

  eks_managed_node_groups = {
    default = {
      instance_types = var.node_instance_types
      min_size       = var.node_count.min
      desired_size   = var.node_count.desired
      max_size       = var.node_count.max
      # IMDSv2 only, one hop: pods cannot borrow the node's role.
      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = "required"
        http_put_response_hop_limit = 1
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------
# IAM roles for service accounts
# ---------------------------------------------------------------------------------------------
# The EBS CSI driver provisions the volumes of Prometheus, Loki and Redis.
module "ebs_csi_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned by version constraint (STYLE.md section 9); the registry protocol has no commit pin
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.52"

  role_name             = "${var.name}-ebs-csi"
  attach_ebs_csi_policy = true

  oidc_providers = {
    this = {
      provider_arn               = module.this.oidc_provider_arn
      namespace_service_accounts = ["kube-system:ebs-csi-controller-sa"]
    }
  }
}
