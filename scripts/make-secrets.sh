#!/usr/bin/env bash
# Print the Secrets an environment's workloads read, as Kubernetes manifests, for a first install:
#   scripts/make-secrets.sh <local|staging|prod> | kubectl create -f -
# Values are generated here and go straight into the pipe: nothing is written to disk but a
# private temporary file for the signing key (removed on exit). The charts reference these Secrets
# by name and key; docs/deploy.md lists them. CloudNativePG makes the <svc>-db-app Secrets where
# it runs the databases (local, staging); prod reads RDS and ElastiCache URLs from the
# environment:
#   prod: AUTH_SERVICE_DATABASE_URL USER_SERVICE_DATABASE_URL WEBAPP_DATABASE_URL REDIS_URL
#   staging, prod: TLS_CERT_FILE TLS_KEY_FILE (the certificate of the public host, PEM)
set -o errexit -o nounset -o pipefail

env="${1:-}"
case "${env}" in
  local | staging | prod) ;;
  *)
    echo "usage: scripts/make-secrets.sh <local|staging|prod> | kubectl create -f -" >&2
    exit 2
    ;;
esac
if [[ -t 1 ]]; then
  echo "refusing to print secrets to a terminal: pipe the output into kubectl" >&2
  exit 2
fi

needed=()
[[ "${env}" == prod ]] && needed+=(AUTH_SERVICE_DATABASE_URL USER_SERVICE_DATABASE_URL WEBAPP_DATABASE_URL REDIS_URL)
[[ "${env}" != local ]] && needed+=(TLS_CERT_FILE TLS_KEY_FILE)
missing=()
for variable in "${needed[@]}"; do
  [[ -n "${!variable:-}" ]] || missing+=("${variable}")
done
if ((${#missing[@]})); then
  echo "${env} needs ${missing[*]} in the environment (docs/deploy.md says where each comes from)" >&2
  exit 2
fi

namespace="titanium-${env}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
umask 077

secret() { # secret <namespace> <kubectl create secret arguments...>
  local ns="$1"
  shift
  echo "---"
  kubectl create secret --namespace "${ns}" "$@" --dry-run=client --output yaml
}

random_hex() { openssl rand -hex 32; }

# Token signing key of auth-service: every *.pem of the Secret is a key, the last by name signs,
# so the file is named after its UTC creation time.
key_file="${work}/$(date -u +%Y%m%dT%H%M%SZ).pem"
openssl genpkey -algorithm ed25519 -out "${key_file}"
secret "${namespace}" generic auth-service-signing-keys --from-file="${key_file}"

# Flask session signing key of webapp.
secret "${namespace}" generic webapp-secret-key --from-literal=secret-key="$(random_hex)"

if [[ "${env}" == prod ]]; then
  # ElastiCache (TLS) and RDS: made by Terraform, one database and role per service.
  secret "${namespace}" generic titanium-redis --from-literal=url="${REDIS_URL}"
  for service in auth-service user-service webapp; do
    variable="$(tr 'a-z-' 'A-Z_' <<<"${service}")_DATABASE_URL"
    secret "${namespace}" generic "${service}-db-app" --from-literal=uri="${!variable}"
  done
else
  # The in-cluster Redis add-on (namespace redis) and the URL every service reads.
  redis_password="$(random_hex)"
  secret redis generic redis-auth --from-literal=password="${redis_password}"
  secret "${namespace}" generic titanium-redis \
    --from-literal=url="redis://:${redis_password}@redis-master.redis.svc.cluster.local:6379/0"
fi

if [[ "${env}" != local ]]; then
  # The Istio Gateway's certificate (credentialName titanium-tls, in the ingress gateway's
  # namespace); local serves plain HTTP.
  secret istio-ingress tls titanium-tls --cert="${TLS_CERT_FILE}" --key="${TLS_KEY_FILE}"
fi
