#!/usr/bin/env bash
# Point kubectl and Terraform at the solid-cloud cluster described by .env.k8s (copy
# .env.k8s.example). Writes a kubeconfig of its own (var/kube/solid-cloud.kubeconfig, mode 600),
# checks the API answers with that identity, and prints the exports to eval:
#   eval "$(scripts/switch-to-cloud.sh)"
# then: terraform -chdir=terraform/environments/solid-cloud init -backend-config=backend.hcl && ... apply
# Back to Minikube: unset KUBECONFIG (or `kubectl config use-context minikube`).
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

env_file="${1:-.env.k8s}"
if [[ ! -f "${env_file}" ]]; then
  echo "no ${env_file}: copy .env.k8s.example and fill it in" >&2
  exit 1
fi
# shellcheck disable=SC1090
source "${env_file}"

: "${K8S_API_SERVER:?K8S_API_SERVER is empty in ${env_file}}"
: "${K8S_TOKEN:?K8S_TOKEN is empty in ${env_file}}"
: "${K8S_CA_CERT:?K8S_CA_CERT is empty in ${env_file}}"
environment="${K8S_ENVIRONMENT:-staging}"
context="${K8S_CONTEXT:-titanium-solid-cloud}"
if [[ "${K8S_API_SERVER}" != https://* ]]; then
  echo "K8S_API_SERVER must be an https:// URL" >&2
  exit 1
fi
if [[ "${environment}" != staging && "${environment}" != prod ]]; then
  echo "K8S_ENVIRONMENT must be staging or prod" >&2
  exit 1
fi

umask 077
mkdir -p var/kube
kubeconfig="$(pwd)/var/kube/solid-cloud.kubeconfig"
ca_file="$(pwd)/var/kube/solid-cloud-ca.crt"
base64 --decode <<<"${K8S_CA_CERT}" >"${ca_file}"

export KUBECONFIG="${kubeconfig}"
kubectl config set-cluster solid-cloud --server="${K8S_API_SERVER}" \
  --certificate-authority="${ca_file}" --embed-certs=true >/dev/null
kubectl config set-credentials solid-cloud-bootstrap --token="${K8S_TOKEN}" >/dev/null
kubectl config set-context "${context}" --cluster=solid-cloud --user=solid-cloud-bootstrap >/dev/null
kubectl config use-context "${context}" >/dev/null
rm -f "${ca_file}"

if ! kubectl auth can-i '*' '*' --all-namespaces >/dev/null 2>&1; then
  echo "warning: the token cannot do everything; the Terraform bootstrap needs cluster-admin" >&2
fi
echo "switched kubectl to ${context} (${K8S_API_SERVER}); environment ${environment}" >&2

printf 'export KUBECONFIG=%q\n' "${kubeconfig}"
printf 'export TF_VAR_cluster_api_server=%q\n' "${K8S_API_SERVER}"
printf 'export TF_VAR_cluster_ca_certificate=%q\n' "${K8S_CA_CERT}"
printf 'export TF_VAR_cluster_token=%q\n' "${K8S_TOKEN}"
printf 'export TF_VAR_environment=%q\n' "${environment}"
