data "aws_caller_identity" "current" {}

# ---------------------------------------------------------------------------------------------
# Key policy: AWS's default key policy, written out so it is reviewed rather than implied
# ---------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "this" {
  # In a key policy "*" means this key only, and delegating to the account root is what lets IAM
  # policies grant use of the key at all (the AWS default key policy).
  #checkov:skip=CKV_AWS_109:Key policy: resource "*" is this key only; root delegation is the AWS default key policy
  #checkov:skip=CKV_AWS_111:Key policy: resource "*" is this key only; root delegation is the AWS default key policy
  #checkov:skip=CKV_AWS_356:Key policy: resource "*" is this key only; root delegation is the AWS default key policy
  statement {
    sid       = "AccountAdministersThroughIAM"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# The key
# ---------------------------------------------------------------------------------------------
resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.this.json
}
