#!/usr/bin/env bash
# Print the Secrets an environment's workloads read, as Kubernetes manifests, for a first install:
#   scripts/make-secrets.sh <local|staging|prod> | kubectl create -f -
# Values are generated here and go straight into the pipe: nothing is written to disk. The
# charts reference these Secrets by name and key; docs/deploy.md lists them. CloudNativePG makes the <svc>-db-app Secrets where
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

secret() { # secret <namespace> <name> <type> <key> <base64 value> [<key> <base64 value>...]
  local ns="$1" name="$2" type="$3"
  shift 3
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\ntype: %s\ndata:\n' \
    "${name}" "${ns}" "${type}"
  while (($#)); do
    printf '  "%s": %s\n' "$1" "$2"
    shift 2
  done
}

b64() { base64 -w0; }
random_hex() { openssl rand -hex 32 | tr -d '\n'; }

# Token signing key of auth-service: every *.pem of the Secret is a key, the last by name signs,
# so the file is named after its UTC creation time.
secret "${namespace}" auth-service-signing-keys Opaque \
  "$(date -u +%Y%m%dT%H%M%SZ).pem" "$(openssl genpkey -algorithm ed25519 | b64)"

# Flask session signing key of webapp.
secret "${namespace}" webapp-secret-key Opaque secret-key "$(random_hex | b64)"

if [[ "${env}" == prod ]]; then
  # ElastiCache (TLS) and RDS: made by Terraform, one database and role per service.
  secret "${namespace}" titanium-redis Opaque url "$(printf '%s' "${REDIS_URL}" | b64)"
  for service in auth-service user-service webapp; do
    variable="$(tr 'a-z-' 'A-Z_' <<<"${service}")_DATABASE_URL"
    secret "${namespace}" "${service}-db-app" Opaque uri "$(printf '%s' "${!variable}" | b64)"
  done
else
  # The in-cluster Redis add-on (namespace redis) and the URL every service reads.
  redis_password="$(random_hex)"
  secret redis redis-auth Opaque password "$(printf '%s' "${redis_password}" | b64)"
  in_cluster_url="redis://:${redis_password}@redis-master.redis.svc.cluster.local:6379/0"
  secret "${namespace}" titanium-redis Opaque url "$(printf '%s' "${in_cluster_url}" | b64)"
  # The in-cluster MinIO add-on (namespace minio) and the webapp's credentials for its uploads
  # (prod: the S3 bucket, reached with the service account's IAM role, no Secret).
  minio_user="titanium-$(openssl rand -hex 4 | tr -d '\n')"
  minio_password="$(random_hex)"
  secret minio minio-auth Opaque root-user "$(printf '%s' "${minio_user}" | b64)" \
    root-password "$(printf '%s' "${minio_password}" | b64)"
  secret "${namespace}" webapp-media-s3 Opaque access-key-id "$(printf '%s' "${minio_user}" | b64)" \
    secret-access-key "$(printf '%s' "${minio_password}" | b64)"
fi

if [[ "${env}" != local ]]; then
  # The Istio Gateway's certificate (credentialName titanium-tls, in the ingress gateway's
  # namespace); local serves plain HTTP.
  secret istio-ingress titanium-tls kubernetes.io/tls \
    tls.crt "$(b64 <"${TLS_CERT_FILE}")" tls.key "$(b64 <"${TLS_KEY_FILE}")"
fi
