#!/usr/bin/env bash
# Re-pin every requirements/*.txt with hashes. dev.txt is the union; each service's file is
# compiled against it (lock.in) so all of them pin the same versions. build.txt is the build
# backend the images install before building our own packages without build isolation.
#
# The locks are universal (uv's --universal, from Python 3.11 up): one file holds on every 3.11.x
# and every platform, with markers such as `python_full_version < '3.11.3'` kept instead of being
# resolved away for the Python that happens to run the lock. They name no index and no local
# path, so they mean the same on every machine.
#
# Current pins are kept: uv takes each existing lock as its preferences. Options are passed on to
# every compile, so `scripts/lock-requirements.sh --upgrade-package aiohttp` moves one package
# and `--upgrade` moves everything.
#
# The command in each lock's header is what Renovate's pip-compile manager runs to refresh it, so
# it must stay a plain `uv pip compile` with only options Renovate accepts (`--opt=value` form).
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/../requirements"

uv=../.venv/bin/uv
# Only the command line decides: no uv.toml and no UV_* constraints or indexes of this machine.
export UV_NO_CONFIG=1
unset UV_CONSTRAINT UV_OVERRIDE UV_BUILD_CONSTRAINT UV_FIND_LINKS UV_INDEX UV_EXTRA_INDEX_URL

compile() {
  # --native-tls: trust the system's CA store (a TLS-intercepting proxy's CA lives there);
  # uv leaves it and --quiet out of the header.
  "$uv" pip compile --quiet --native-tls --universal --python-version=3.11 --generate-hashes "$@"
}

compile --output-file=dev.txt dev.in "$@"
for name in auth_service user_service webapp api_gateway e2e build; do
  compile --output-file="$name.txt" "$name.in" lock.in "$@"
done
# The scanners keep their own pins (they live in .venv-tools).
compile --output-file=tools.txt tools.in "$@"
