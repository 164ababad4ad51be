#!/usr/bin/env bash
# scripts/step.sh WHAT COMMAND...: one line saying what runs, one with how long it took; the
# command's own output (pip's, the build backends' warnings) only when it fails.
set -uo pipefail
what=$1
shift
echo "==> $what"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$SECONDS
if "$@" >"$log" 2>&1; then
	echo "    done in $((SECONDS - started)) s"
else
	status=$?
	cat "$log"
	echo "==> $what: failed (exit $status), its output is above"
	exit "$status"
fi
