#!/usr/bin/env bash
# Build one service image with buildx from the repository root into the local engine, where it is
# scanned before anything leaves the machine; scripts/push-image.sh pushes that same image. Every
# image comes from the one root Dockerfile; the build argument SERVICE names the service.
# Usage: scripts/build-image.sh <service-kebab-name>   (IMAGE_TAG, REGISTRY, PUSH, BUILDX_CACHE from the env)
#   PUSH=1        push it right after the build (a laptop); CI pushes only once the scan passed
#   BUILDX_CACHE  a buildx cache backend shared between runs, one scope per service (CI: gha)
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

service="${1:?usage: build-image.sh <api-gateway|auth-service|user-service|webapp>}"
folder="${service//-/_}"
registry="${REGISTRY:-ghcr.io/titanium-platform}"
tag="${IMAGE_TAG:-dev}"
image="${registry}/titanium-${service}:${tag}"

if [[ ! -f "${folder}/gunicorn.conf.py" ]]; then
  echo "${service} is not a service: no ${folder}/gunicorn.conf.py" >&2
  exit 1
fi

cache=()
if [[ -n "${BUILDX_CACHE:-}" ]]; then
  cache=(--cache-from "type=${BUILDX_CACHE},scope=${service}"
    --cache-to "type=${BUILDX_CACHE},scope=${service},mode=max")
fi

echo "==> ${image}"
# --provenance=false: one plain image manifest, so what the engine holds (and Trivy scans) is
# what the registry gets. The SBOM is the workflow's CycloneDX artifact.
docker buildx build \
  --file Dockerfile \
  --build-arg "SERVICE=${folder}" \
  --tag "${image}" \
  --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
  --label "org.opencontainers.image.source=https://github.com/titanium-platform/titanium" \
  --provenance=false \
  --load \
  "${cache[@]}" \
  .

if [[ "${PUSH:-0}" == "1" ]]; then
  scripts/push-image.sh "${service}"
fi
