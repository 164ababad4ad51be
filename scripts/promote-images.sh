#!/usr/bin/env bash
# Promote a commit whose images passed e2e on main to production:
#   1. check every service image sha-<TESTED_SHA> exists in GHCR;
#   2. on top of the tested commit, rewrite only the `tag:` line under `image:` in
#      charts/titanium-service/values/prod/<svc>.yaml, commit, tag release-<short sha>;
#   3. push the tag, then apply the same change on main together with
#      argocd/apps/values-prod.yaml `targetRevision: release-<short sha>` and push main.
# Argo CD syncs prod from the tag. Needs TESTED_SHA; REGISTRY defaults to GHCR.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

sha="${TESTED_SHA:?TESTED_SHA is required}"
registry="${REGISTRY:-ghcr.io/titanium-platform}"
services=(api-gateway auth-service user-service webapp)
tag="sha-${sha}"
release="release-${sha:0:12}"
values_dir=charts/titanium-service/values/prod

set_tag() {
  python3 scripts/set_image_tag.py "${tag}" "$1"
}

for service in "${services[@]}"; do
  docker buildx imagetools inspect "${registry}/titanium-${service}:${tag}" >/dev/null
done

git config user.name "titanium-promote[bot]"
git config user.email "titanium-promote@users.noreply.github.com"

git checkout --quiet --detach "${sha}"
for service in "${services[@]}"; do set_tag "${values_dir}/${service}.yaml"; done
git add "${values_dir}"
git commit --quiet -m "promote: prod images ${tag}"
git tag -a "${release}" -m "Production release of ${sha}"
git push origin "refs/tags/${release}"

git fetch --quiet origin main
git checkout --quiet -B main origin/main
for service in "${services[@]}"; do set_tag "${values_dir}/${service}.yaml"; done
sed -i -E "s/^targetRevision: .*/targetRevision: ${release}/" argocd/apps/values-prod.yaml
git add "${values_dir}" argocd/apps/values-prod.yaml
git commit --quiet -m "promote: prod runs ${release} (images ${tag})"
git push origin main
echo "==> prod now follows ${release}"
