# ---------------------------------------------------------------------------------------------
# Encryption key and the AUTH token (generated, stored in Secrets Manager, never in code)
# ---------------------------------------------------------------------------------------------
module "kms" {
  source = "../kms-key"

  description = "${var.name}: ElastiCache Redis at rest and its AUTH token"
}

# ---------------------------------------------------------------------------------------------
# Network access: only the cluster's nodes
# ---------------------------------------------------------------------------------------------
resource "aws_security_group" "this" {
  name        = "${var.name}-redis"
  description = "Redis from the EKS nodes only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = toset(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redis from ${each.value}"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

resource "aws_elasticache_subnet_group" "this" {
  name       = "${var.name}-redis"
  subnet_ids = var.subnet_ids
}

# ---------------------------------------------------------------------------------------------
# Replication group: caches and counters only (losing Redis loses no data)
# ---------------------------------------------------------------------------------------------
resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "Titanium caches, rate-limit counters and login throttling"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379

  num_cache_clusters         = var.replicas + 1
  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = module.kms.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.auth.result

  auto_minor_version_upgrade = true
  snapshot_retention_limit   = 1
}
