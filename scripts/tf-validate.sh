#!/usr/bin/env bash
# fmt, then init without a backend and validate every Terraform environment (needs the registry).
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/../terraform"

terraform fmt -check -recursive -diff
for root in environments/*/; do
  echo "==> ${root}"
  terraform -chdir="${root}" init -backend=false -input=false -no-color >/dev/null
  terraform -chdir="${root}" validate -no-color
done
