#!/usr/bin/env bash
# Push one service image that scripts/build-image.sh built into the local engine (in CI: only
# after its vulnerability scan passed) and record the digest the registry serves for it in
# ${DIGESTS}/<service>. e2e, staging and prod run exactly that digest, never a tag.
# Usage: scripts/push-image.sh <service-kebab-name>   (IMAGE_TAG, REGISTRY, DIGESTS from the env;
# needs a registry login)
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

service="${1:?usage: push-image.sh <api-gateway|auth-service|user-service|webapp>}"
registry="${REGISTRY:-ghcr.io/titanium-platform}"
image="${registry}/titanium-${service}:${IMAGE_TAG:-dev}"
digests="${DIGESTS:-dist/digests}"

docker push --quiet "${image}"
# The registry's answer, not the engine's: the manifest digest the tag now resolves to.
digest="$(docker buildx imagetools inspect "${image}" --format '{{json .Manifest.Digest}}' | tr -d '"')"
if [[ ! "${digest}" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "${image}: the registry returned no sha256 digest (${digest})" >&2
  exit 1
fi
mkdir -p "${digests}"
printf '%s\n' "${digest}" >"${digests}/${service}"
echo "==> ${registry}/titanium-${service}@${digest}"
