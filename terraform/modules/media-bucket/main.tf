# Uploaded images (avatars, images in articles) of the webapp: private, encrypted, versioned,
# reachable only over TLS and only by the webapp's service account, which serves them itself
# (docs/adr/0018-image-uploads-and-media-storage.md).

# ---------------------------------------------------------------------------------------------
# Encryption key
# ---------------------------------------------------------------------------------------------
module "kms" {
  source = "../kms-key"

  description = "${var.name}: uploaded images at rest"
}

# ---------------------------------------------------------------------------------------------
# The bucket: private, owner-enforced, encrypted, versioned, TLS only
# ---------------------------------------------------------------------------------------------
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logs would need a second bucket; reads go through the webapp, whose access log records every one
  #checkov:skip=CKV_AWS_144:Cross-region replication: uploads are re-creatable by their authors; versioning covers mistakes
  #checkov:skip=CKV2_AWS_62:No consumer of bucket events: the webapp writes and reads every object itself
  bucket = var.name
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.kms.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

# Names are content-addressed, so the current version of an object never changes; old versions
# exist only after a delete or an accidental overwrite, and go after a while.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-old-versions-and-abandoned-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "TlsOnly"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

# ---------------------------------------------------------------------------------------------
# The webapp's role (IRSA): read and write objects under the prefix, nothing else
# ---------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "webapp" {
  statement {
    sid       = "ReadAndWriteUploads"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.prefix}/*"]
  }
  # Without ListBucket S3 answers a missing object with 403, not 404, and the webapp could not
  # tell "no such image" (404) from "bucket unavailable" (503). S3's implicit check for that
  # carries no s3:prefix, so the grant cannot be narrowed by prefix; the names are public anyway.
  statement {
    sid       = "TellMissingFromForbidden"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]
  }
  statement {
    sid       = "UseTheBucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [module.kms.arn]
  }
}

resource "aws_iam_policy" "webapp" {
  name        = "${var.name}-webapp"
  description = "The webapp's uploads in ${var.name}"
  policy      = data.aws_iam_policy_document.webapp.json
}

module "role" {
  #checkov:skip=CKV_TF_1:Registry module pinned by version constraint (STYLE.md section 9); the registry protocol has no commit pin
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.52"

  role_name = "${var.name}-webapp"
  role_policy_arns = {
    uploads = aws_iam_policy.webapp.arn
  }

  oidc_providers = {
    this = {
      provider_arn               = var.oidc_provider_arn
      namespace_service_accounts = [var.service_account]
    }
  }
}
