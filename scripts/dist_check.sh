#!/usr/bin/env bash
# `make dist-check`: proves the cross-built linux-arm64 executable runs, under qemu-user on
# this machine: each of its four names answers --version, `zog --check` accepts a good
# ring.toml and lists every problem of a bad one, a two-node ring of arm64 zogs
# replicates a message that an arm64 sprog sent, and an arm64 emperor runs a vassal. Not part of `make test`: it builds with
# a runtime fetched by `npm pack @oven/bun-linux-aarch64`.
#   ARCH=arm64 scripts/dist_check.sh     # the default and, for now, the only one
set -euo pipefail
cd "$(dirname "$0")/.."

ARCH=${ARCH:-arm64}
[ "$ARCH" = arm64 ] || { echo "dist-check: only ARCH=arm64 is supported" >&2; exit 2; }
SYSROOT=/usr/aarch64-linux-gnu

# qemu-aarch64 runs the binary; the arm64 glibc (its loader and libc) comes from Debian's cross package.
missing=()
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
[ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || missing+=(libc6-arm64-cross)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "dist-check: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "dist-check: needs ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

TARGETS=linux-arm64 OUT="$work/release" bash scripts/dist.sh
mkdir -p "$work/bin"
tar -xzf "$work/release/zog-linux-arm64.tar.gz" -C "$work/bin"
arm() { # NAME ARGS...: the arm64 executable started under NAME, as its hard link would be
  local name=$1
  shift
  qemu-aarch64 -L "$SYSROOT" "$work/bin/$name" "$@"
}
fail() {
  echo "dist-check: FAILED: $*" >&2
  exit 1
}

echo "== $(file -b "$work/bin/zog" | cut -d, -f1-2)"
for b in zog sprog zeus emperor; do
  v=$(arm "$b" --version)
  echo "qemu-aarch64 $b --version: $v"
  [[ $v == "$b "* ]] || fail "$b --version printed '$v'"
done

# Loopback addresses and ports of their own, so the check runs beside anything else.
a=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
port=$((20000 + RANDOM % 20000))
cat >"$work/ring.toml" <<TOML
peer_port = $port
client_port = $((port + 1))
log_dir = "$work/logs/{node}"
state_dir = "$work/state/{node}"
[[node]]
name = "A"
host = "$a.1"
[[node]]
name = "B"
host = "$a.2"
TOML
arm zog --check --config "$work/ring.toml" || fail "zog --check rejected a good ring.toml"
printf 'keepalive = 0\n[[node]]\nname = "A"\nhost = "bad host"\n' >"$work/bad.toml"
set +e
bad=$(arm zog --check --config "$work/bad.toml" 2>&1)
code=$?
set -e
echo "$bad" | sed 's/^/  /'
[ "$code" = 2 ] || fail "zog --check of a bad file exited $code, not 2"
[ "$(echo "$bad" | wc -l)" -ge 3 ] || fail "zog --check did not list every problem"

for n in A B; do
  # Started directly (not through arm()), so that $! is qemu itself and cleanup ends it.
  qemu-aarch64 -L "$SYSROOT" "$work/bin/zog" --config "$work/ring.toml" --node "$n" \
    --stats "$a.$([ $n = A ] && echo 1 || echo 2):$((port + 2))" 2>"$work/$n.err" >/dev/null &
  pids+=($!)
done
# A node may take seconds to start under emulation: sprog retries until the ring acks.
deadline=$((SECONDS + 120))
until arm sprog --config "$work/ring.toml" -s "$a.1" -n 1 -m "hello from arm64" >"$work/sprog.out" 2>&1; do
  [ $SECONDS -lt $deadline ] || { cat "$work/sprog.out" "$work"/*.err >&2; fail "sprog -n 1 was not acknowledged in 120 s"; }
  sleep 1
done
until grep -q "hello from arm64" "$work/logs/A/access.log" 2>/dev/null && grep -q "hello from arm64" "$work/logs/B/access.log" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the message did not reach both access.logs"
  sleep 0.2
done
echo "qemu-aarch64 sprog -n 1: $(tail -n 1 "$work/sprog.out")"
echo "access.log A: $(tail -n 1 "$work/logs/A/access.log")"
echo "access.log B: $(tail -n 1 "$work/logs/B/access.log")"
arm zog status --stats "$a.1:$((port + 2))" | sed 's/^/  /'

# An arm64 emperor keeping a plain vassal running.
mkdir -p "$work/vassals"
printf '[vassal]\ncommand = "sleep"\nargs = ["600"]\n' >"$work/vassals/sleeper.toml"
arm emperor --check --emperor "$work/vassals" || fail "emperor --check rejected a good vassal"
qemu-aarch64 -L "$SYSROOT" "$work/bin/emperor" --emperor "$work/vassals" --state-dir "$work/emperor" \
  --stats "$a.1:$((port + 3))" 2>"$work/emperor.err" >/dev/null &
pids+=($!)
until arm emperor status --stats "$a.1:$((port + 3))" 2>/dev/null | grep -q "sleeper.toml .*running"; do
  [ $SECONDS -lt $deadline ] || { cat "$work/emperor.err" >&2; fail "the arm64 emperor did not run its vassal"; }
  sleep 0.5
done
arm emperor status --stats "$a.1:$((port + 3))" | sed 's/^/  /'
echo "dist-check: linux-arm64 ok"
