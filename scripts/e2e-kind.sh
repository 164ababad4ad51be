#!/usr/bin/env bash
# The e2e environment: a kind cluster, the platform add-ons at the versions Argo CD pins
# (argocd/apps/values.yaml), the commit's own images, titanium-platform and every service with
# the chart's local values, `helm test`, then the Playwright suites through the Istio ingress.
# Needs docker, kind, helm, kubectl. IMAGE_TAG names the images (default: dev).
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

cluster="${KIND_CLUSTER:-titanium-e2e}"
namespace=titanium-e2e
tag="${IMAGE_TAG:-dev}"
host=titanium.local
services=(auth-service user-service webapp api-gateway)
python=.venv/bin/python

pinned() { # pinned <platform app> <field>: a value of argocd/apps/values.yaml
  "${python}" -c 'import sys, yaml; print(yaml.safe_load(open("argocd/apps/values.yaml"))["platform"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

platform() { # platform <app> [helm args...]: install an add-on exactly as Argo CD would
  local app="$1"
  shift
  helm upgrade --install "${app}" "$(pinned "${app}" chart)" \
    --repo "$(pinned "${app}" repoURL)" --version "$(pinned "${app}" version)" \
    --namespace "$(pinned "${app}" namespace)" --create-namespace --wait --timeout 10m "$@"
}

make install
kind get clusters | grep -qx "${cluster}" || kind create cluster --name "${cluster}" --config scripts/kind-config.yaml

echo "==> images ${tag}"
for service in "${services[@]}"; do
  IMAGE_TAG="${tag}" PUSH=0 scripts/build-image.sh "${service}"
  kind load docker-image --name "${cluster}" "ghcr.io/titanium-platform/titanium-${service}:${tag}"
done

echo "==> platform add-ons"
platform istio-base --set defaultRevision=default
platform istiod --set pilot.autoscaleMin=1
platform istio-ingressgateway --set labels.istio=ingressgateway \
  --set service.type=NodePort --set 'service.ports[0].name=http2' \
  --set 'service.ports[0].port=80' --set 'service.ports[0].targetPort=80' \
  --set 'service.ports[0].nodePort=30080' --set autoscaling.minReplicas=1
platform cloudnative-pg
redis_password="$(openssl rand -hex 32)"
kubectl create namespace redis --dry-run=client -o yaml | kubectl apply -f -
kubectl -n redis create secret generic redis-auth --from-literal=password="${redis_password}" \
  --dry-run=client -o yaml | kubectl apply -f -
platform redis --set architecture=standalone --set auth.existingSecret=redis-auth \
  --set auth.existingSecretPasswordKey=password --set master.persistence.enabled=false
helm upgrade --install prometheus-operator-crds prometheus-operator-crds \
  --repo https://prometheus-community.github.io/helm-charts --version 16.0.1 \
  --namespace monitoring --create-namespace --wait

echo "==> namespace, secrets (generated for this throwaway cluster only)"
kubectl create namespace "${namespace}" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "${namespace}" istio-injection=enabled --overwrite
keys="$(mktemp -d)"
trap 'rm -rf "${keys}"' EXIT
openssl genpkey -algorithm ed25519 -out "${keys}/e2e.pem"
kubectl -n "${namespace}" create secret generic auth-service-signing-keys \
  --from-file="${keys}/e2e.pem" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "${namespace}" create secret generic titanium-redis \
  --from-literal=url="redis://:${redis_password}@redis-master.redis.svc:6379/0" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "${namespace}" create secret generic webapp-secret-key \
  --from-literal=secret-key="$(openssl rand -hex 32)" --dry-run=client -o yaml | kubectl apply -f -

echo "==> titanium-platform and the services"
helm upgrade --install titanium-platform charts/titanium-platform --namespace "${namespace}" \
  --values charts/titanium-platform/values-local.yaml --wait --timeout 10m
for service in "${services[@]}"; do
  helm upgrade --install "${service}" charts/titanium-service --namespace "${namespace}" \
    --values "charts/titanium-service/values/${service}.yaml" \
    --values "charts/titanium-service/values/local/${service}.yaml" \
    --set "image.tag=${tag}" --set image.pullPolicy=Never --wait --timeout 10m
done
helm test api-gateway --namespace "${namespace}" --timeout 5m

echo "==> Playwright suites against http://${host}"
grep -q " ${host}\$" /etc/hosts || echo "127.0.0.1 ${host}" | sudo tee -a /etc/hosts >/dev/null
E2E_BASE_URL="http://${host}" make e2e
