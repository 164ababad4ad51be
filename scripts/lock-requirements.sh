#!/usr/bin/env bash
# Re-pin every requirements/*.txt with hashes. dev.txt is the union; each service's file is
# compiled against it (lock.in) so all of them pin the same versions.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/../requirements"
compile() { ../.venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe "$@"; }
compile --upgrade -o dev.txt dev.in
for name in auth_service user_service webapp api_gateway e2e; do
  compile -o "$name.txt" "$name.in" lock.in
done
# The scanners keep their own pins (they live in .venv-tools).
compile --upgrade -o tools.txt tools.in
