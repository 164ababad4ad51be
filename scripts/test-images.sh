#!/usr/bin/env bash
# make test-images: build the four images from the root Dockerfile, serve Titanium from
# them exactly as the chart runs them (scripts/image_stack.py says how, and what stands in for
# the cluster), check the running containers, then run the Playwright suites against that stack.
# The stack always stops at the end; its logs stay in var/image-stack/logs/.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

python=.venv/bin/python
for program in podman runc; do
  command -v "${program}" >/dev/null || {
    echo "${program} is missing: apt-get install -y podman runc debootstrap (.ci/run does)" >&2
    exit 1
  }
done

"${python}" -m scripts.image_stack build
trap '"${python}" -m scripts.image_stack down' EXIT
"${python}" -m scripts.image_stack up
"${python}" -m pytest -q tests/images
# The axe sweep (e2e/test_axe.py) judges templates and CSS, which are the same files in the
# images: it runs once, in `make e2e`, to keep CI within its time budget.
E2E_BASE_URL="$("${python}" -c 'from scripts.image_stack import BASE_URL; print(BASE_URL)')" \
  "${python}" -m pytest e2e --ignore e2e/test_axe.py \
  --html e2e/report/images/index.html --output e2e/report/images/artifacts
