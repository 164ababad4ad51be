locals {
  name          = "titanium-${var.environment}"
  app_namespace = "titanium-${var.environment}"
  is_prod       = var.environment == "prod"
}

# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------
module "vpc" {
  source = "../../modules/vpc"

  name               = local.name
  cidr               = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = !local.is_prod
}

# ---------------------------------------------------------------------------------------------
# Kubernetes (EKS) with IRSA
# ---------------------------------------------------------------------------------------------
module "eks" {
  source = "../../modules/eks"

  name                  = local.name
  kubernetes_version    = var.kubernetes_version
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.private_subnet_ids
  public_endpoint_cidrs = var.public_endpoint_cidrs
  node_instance_types   = ["m6i.large"]
  node_count = {
    min     = local.is_prod ? 3 : 2
    desired = local.is_prod ? 3 : 2
    max     = local.is_prod ? 9 : 4
  }
}

# ---------------------------------------------------------------------------------------------
# Managed PostgreSQL (one database per service on it) and Redis
# ---------------------------------------------------------------------------------------------
module "postgres" {
  source = "../../modules/postgres"

  name                      = local.name
  engine_version            = "16.6"
  instance_class            = local.is_prod ? "db.m6g.large" : "db.t4g.medium"
  allocated_storage_gb      = 50
  vpc_id                    = module.vpc.vpc_id
  db_subnet_group_name      = module.vpc.database_subnet_group_name
  client_security_group_ids = [module.eks.node_security_group_id]
  multi_az                  = local.is_prod
}

module "redis" {
  source = "../../modules/redis"

  name                      = local.name
  engine_version            = "7.1"
  node_type                 = local.is_prod ? "cache.m7g.large" : "cache.t4g.small"
  replicas                  = 1
  vpc_id                    = module.vpc.vpc_id
  subnet_ids                = module.vpc.database_subnet_ids
  client_security_group_ids = [module.eks.node_security_group_id]
}

# ---------------------------------------------------------------------------------------------
# Uploaded images: a private bucket the webapp's service account reads and writes (IRSA)
# ---------------------------------------------------------------------------------------------
module "media" {
  source = "../../modules/media-bucket"

  name                    = "${local.name}-media-${data.aws_caller_identity.current.account_id}"
  oidc_provider_arn       = module.eks.oidc_provider_arn
  service_account         = "${local.app_namespace}:webapp"
  prefix                  = "media"
  noncurrent_version_days = 30
}

data "aws_caller_identity" "current" {}

# ---------------------------------------------------------------------------------------------
# In the cluster: namespaces, quotas, Argo CD and the root Application
# ---------------------------------------------------------------------------------------------
module "namespaces" {
  source = "../../modules/namespaces"

  namespaces = {
    # Istio's control plane and CNI node agent: the agent (a DaemonSet) installs the CNI plugin
    # on every node as root with NET_ADMIN/SYS_ADMIN and hostPath mounts, so `privileged`,
    # stated here so that no cluster-wide default can tighten it. No quota: istiod and the agent
    # size themselves per node and must never be refused.
    istio-system = {
      pod_security    = "privileged"
      istio_injection = null
    }
    # The Istio ingress gateway, and its certificate: the Secret titanium-tls that
    # scripts/make-secrets.sh creates here (docs/deploy.md) must find the namespace in place
    # before Argo CD syncs the gateway. Its pods run unprivileged, injected by their own label.
    istio-ingress = {
      pod_security    = "baseline"
      istio_injection = null
    }
    # The services, their hooks and tests, and (staging) the CloudNativePG instances; every
    # service pod gets an Istio sidecar (resources: istiod's global.proxy.resources in
    # argocd/apps/values.yaml). Sized by tests/delivery/test_cluster_rules.py, which sums
    # everything at HPA max plus a rolling update's surge, the migration Jobs and the smoke Pod.
    # Needed then: requests 11.61 CPU / 22.47Gi, limits 93.1 CPU / 44.94Gi, 66 pods;
    # the quota leaves 20-25 % headroom.
    (local.app_namespace) = {
      pod_security    = "restricted"
      istio_injection = "enabled"
      quota = {
        requests_cpu    = "14"
        requests_memory = "28Gi"
        limits_cpu      = "112"
        limits_memory   = "56Gi"
        pods            = 100
      }
    }
    # kube-prometheus-stack, Loki, Alloy. `privileged`: the stack's node-exporter DaemonSet
    # runs in the host's network and PID namespaces with hostPath /proc, /sys and /, which
    # baseline refuses. No istio-injection label: with `disabled` no injection webhook would
    # look at the Prometheus pod, whose sidecar.istio.io/inject=true gets it the sidecar that
    # writes the mesh certificates its ServiceMonitors scrape with.
    monitoring = {
      pod_security    = "privileged"
      istio_injection = null
      quota = {
        requests_cpu    = "4"
        requests_memory = "12Gi"
        limits_cpu      = "8"
        limits_memory   = "24Gi"
        pods            = 40
      }
    }
  }

  depends_on = [module.eks]
}

module "argocd" {
  source = "../../modules/argocd"

  environment       = var.environment
  argocd_dir        = "${path.root}/../../../argocd"
  high_availability = local.is_prod

  depends_on = [module.namespaces]
}
