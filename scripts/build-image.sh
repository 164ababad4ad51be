#!/usr/bin/env bash
# Build one service image with buildx from the repository root, with SBOM and provenance
# attestations. PUSH=1 pushes to GHCR; otherwise the image is loaded into the local engine.
# Usage: scripts/build-image.sh <service-kebab-name>   (IMAGE_TAG, REGISTRY, PUSH from the env)
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

service="${1:?usage: build-image.sh <api-gateway|auth-service|user-service|webapp>}"
folder="${service//-/_}"
registry="${REGISTRY:-ghcr.io/titanium-platform}"
tag="${IMAGE_TAG:-dev}"
image="${registry}/titanium-${service}:${tag}"

if [[ ! -f "${folder}/Dockerfile" ]]; then
  echo "no ${folder}/Dockerfile" >&2
  exit 1
fi

output=(--load)
if [[ "${PUSH:-0}" == "1" ]]; then
  output=(--push --sbom=true --provenance=mode=max)
fi

echo "==> ${image}"
docker buildx build \
  --file "${folder}/Dockerfile" \
  --tag "${image}" \
  --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
  --label "org.opencontainers.image.source=https://github.com/titanium-platform/titanium" \
  "${output[@]}" \
  .
