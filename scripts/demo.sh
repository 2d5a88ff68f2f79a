#!/usr/bin/env bash
# `make demo`: runs the system on this machine and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=$PWD/dist
WORK=$(mktemp -d -t zog-demo-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "== the binaries"
for b in zog sprog zeus emperor; do printf '  %-8s %s  (%s)\n' "$b" "$("$DIST/$b" --version)" "$(du -h "$DIST/$b" | cut -f1)"; done

echo "== a CA and certificates"
"$DIST/zeus" certs init "$WORK/pki"
"$DIST/zeus" certs issue "$WORK/pki" MV --host 127.0.0.11
