#!/usr/bin/env bash
# The e2e environment: a kind cluster that enforces NetworkPolicy (kind >= v0.24.0: kindnet), the
# platform add-ons at the versions Argo CD pins (argocd/apps/values.yaml), the Secrets of
# `scripts/make-secrets.sh local`, titanium-platform and every service with the chart's local
# values, `helm test`, a proof that NetworkPolicy is enforced, then the Playwright suites through
# the Istio ingress.
# Images:
#   DIGESTS=<dir>  (CI) one file per service holding the sha256 digest scripts/push-image.sh
#                  pushed: the cluster pulls exactly those images from the registry, with a pull
#                  Secret made from REGISTRY_USER and REGISTRY_TOKEN. Nothing is built here.
#   unset          (a laptop) the images are built here (scripts/build-image.sh, IMAGE_TAG,
#                  default dev) and loaded into kind.
# Needs docker, kind, helm, kubectl.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

cluster="${KIND_CLUSTER:-titanium-e2e}"
# The namespace scripts/make-secrets.sh writes the local Secrets into.
namespace=titanium-local
registry="${REGISTRY:-ghcr.io/titanium-platform}"
digests="${DIGESTS:-}"
tag="${IMAGE_TAG:-dev}"
host=titanium.local
services=(auth-service user-service webapp api-gateway)
python=.venv/bin/python
pull_secret="registry-pull"
# kindnet enforces NetworkPolicy from kind v0.24.0 on; older clusters would pass any policy.
min_kind=v0.24.0

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
kind_version="$(kind version | awk '{print $2}')"
if [[ "$(printf '%s\n' "${min_kind}" "${kind_version}" | sort -V | head -n 1)" != "${min_kind}" ]]; then
  echo "kind ${kind_version} does not enforce NetworkPolicy: ${min_kind} or later is needed" >&2
  exit 1
fi
kind get clusters | grep -qx "${cluster}" || kind create cluster --name "${cluster}" --config scripts/kind-config.yaml

kubectl create namespace "${namespace}" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "${namespace}" istio-injection=enabled --overwrite

# What each service runs (a Helm --set), and the pull Secret every pod needs for it.
declare -A image
pull=()
if [[ -n "${digests}" ]]; then
  echo "==> images: the pushed digests in ${digests}"
  for service in "${services[@]}"; do
    digest="$(<"${digests}/${service}")"
    if [[ ! "${digest}" =~ ^sha256:[0-9a-f]{64}$ ]]; then
      echo "${digests}/${service}: not a sha256 digest: ${digest}" >&2
      exit 1
    fi
    # Fail here, not in a 10-minute ImagePullBackOff, when the registry lacks the digest.
    docker buildx imagetools inspect "${registry}/titanium-${service}@${digest}" >/dev/null
    image["${service}"]="image.digest=${digest}"
  done
  : "${REGISTRY_USER:?REGISTRY_USER is required with DIGESTS}" "${REGISTRY_TOKEN:?REGISTRY_TOKEN is required with DIGESTS}"
  # The token goes from the environment into the Secret through a pipe, never onto a command line.
  "${python}" -c 'import base64, json, os, sys
login = (os.environ["REGISTRY_USER"] + ":" + os.environ["REGISTRY_TOKEN"]).encode()
print(json.dumps({"auths": {sys.argv[1]: {"auth": base64.b64encode(login).decode()}}}))' \
    "${registry%%/*}" |
    kubectl -n "${namespace}" create secret generic "${pull_secret}" \
      --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=/dev/stdin \
      --dry-run=client -o yaml | kubectl apply -f -
  pull=(--set "imagePullSecrets[0].name=${pull_secret}")
else
  echo "==> images ${tag}, built here"
  for service in "${services[@]}"; do
    IMAGE_TAG="${tag}" PUSH=0 scripts/build-image.sh "${service}"
    kind load docker-image --name "${cluster}" "${registry}/titanium-${service}:${tag}"
    image["${service}"]="image.tag=${tag}"
  done
fi

echo "==> secrets (scripts/make-secrets.sh local, generated for this throwaway cluster only)"
kubectl create namespace redis --dry-run=client -o yaml | kubectl apply -f -
kubectl create namespace minio --dry-run=client -o yaml | kubectl apply -f -
# Once per cluster: a second set would change the Redis password under a running Redis.
if ! kubectl -n "${namespace}" get secret titanium-redis >/dev/null 2>&1; then
  scripts/make-secrets.sh local | kubectl apply -f -
fi

echo "==> platform add-ons"
platform istio-base --set defaultRevision=default
platform istiod --set pilot.autoscaleMin=1
platform istio-ingressgateway --set labels.istio=ingressgateway \
  --set service.type=NodePort --set 'service.ports[0].name=http2' \
  --set 'service.ports[0].port=80' --set 'service.ports[0].targetPort=80' \
  --set 'service.ports[0].nodePort=30080' --set autoscaling.minReplicas=1
platform cloudnative-pg
platform redis --set architecture=standalone --set auth.existingSecret=redis-auth \
  --set auth.existingSecretPasswordKey=password --set master.persistence.enabled=false
platform minio --set mode=standalone --set auth.existingSecret=minio-auth \
  --set auth.rootUserSecretKey=root-user --set auth.rootPasswordSecretKey=root-password \
  --set defaultBuckets=titanium-media --set persistence.enabled=false
helm upgrade --install prometheus-operator-crds prometheus-operator-crds \
  --repo https://prometheus-community.github.io/helm-charts --version 16.0.1 \
  --namespace monitoring --create-namespace --wait

echo "==> titanium-platform and the services"
helm upgrade --install titanium-platform charts/titanium-platform --namespace "${namespace}" \
  --values charts/titanium-platform/values-local.yaml --wait --timeout 10m
for service in "${services[@]}"; do
  helm upgrade --install "${service}" charts/titanium-service --namespace "${namespace}" \
    --values "charts/titanium-service/values/${service}.yaml" \
    --values "charts/titanium-service/values/local/${service}.yaml" \
    --set "image.repository=${registry}/titanium-${service}" --set "${image[${service}]}" \
    --set image.pullPolicy=IfNotPresent "${pull[@]}" --wait --timeout 10m
done
helm test api-gateway --namespace "${namespace}" --timeout 5m

# probe <pod name> <labels>: a throwaway pod in the namespace, outside the mesh (a sidecar would
# accept every outbound connection itself), opens a TCP connection to webapp:8081 directly.
# Prints its exit code: 0 connected, 1 blocked (dropped, refused, unreachable), 2 no answer at all
# (DNS). With Istio STRICT mTLS a plaintext client still completes the TCP handshake with the
# sidecar, so only a NetworkPolicy can make the connection itself fail.
probe() {
  local name="$1" labels="$2" code=""
  kubectl -n "${namespace}" delete pod "${name}" --ignore-not-found --wait >/dev/null
  kubectl -n "${namespace}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${labels}, sidecar.istio.io/inject: "false"}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  imagePullSecrets: [$([[ -n "${digests}" ]] && echo "{name: ${pull_secret}}")]
  securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: probe
      image: ${registry}/titanium-webapp${webapp_ref}
      imagePullPolicy: IfNotPresent
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {cpu: 100m, memory: 64Mi}}
      command:
        - python
        - -c
        - |
          import socket, sys
          try:
              socket.create_connection(("webapp", 8081), timeout=5).close()
          except socket.gaierror as error:
              print(error)
              sys.exit(2)
          except OSError as error:
              print(error)
              sys.exit(1)
EOF
  for _ in $(seq 60); do
    code="$(kubectl -n "${namespace}" get pod "${name}" \
      -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')"
    [[ -n "${code}" ]] && break
    sleep 2
  done
  kubectl -n "${namespace}" delete pod "${name}" --wait=false >/dev/null
  echo "${code:-no exit}"
}

echo "==> NetworkPolicy is enforced"
if [[ -n "${digests}" ]]; then
  webapp_ref="@$(<"${digests}/webapp")"
else
  webapp_ref=":${tag}"
fi
# The control: the same pod with the labels of webapp's one allowed caller gets through, so the
# probe, DNS and webapp work and a refusal below can only be the policy.
allowed="$(probe np-probe-allowed "app.kubernetes.io/name: api-gateway")"
if [[ "${allowed}" != 0 ]]; then
  echo "the probe with api-gateway's labels could not reach webapp:8081 (${allowed}): nothing proven" >&2
  exit 1
fi
stranger="$(probe np-probe-stranger "app.kubernetes.io/name: np-probe")"
if [[ "${stranger}" == 0 ]]; then
  echo "NetworkPolicy is not enforced: a pod no policy allows reached webapp:8081" >&2
  exit 1
elif [[ "${stranger}" != 1 ]]; then
  echo "the probe without allowed labels did not run to a verdict (${stranger}): nothing proven" >&2
  exit 1
fi
echo "a pod no policy allows is refused by webapp:8081; api-gateway's labels get through"

echo "==> Playwright suites against http://${host}"
grep -q " ${host}\$" /etc/hosts || echo "127.0.0.1 ${host}" | sudo tee -a /etc/hosts >/dev/null
E2E_BASE_URL="http://${host}" make e2e
