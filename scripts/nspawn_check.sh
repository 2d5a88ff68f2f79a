#!/usr/bin/env bash
# make nspawn-check: the linux-x64 .deb under a real systemd. A Debian bookworm root made
# by debootstrap (once, kept in .cache/nspawn/) boots in systemd-nspawn with its own network;
# in it: dpkg -i, zog --check, the zog and emperor units started by systemd, zog status, a
# message sent with sprog, a plain vassal running, systemd-analyze security of the three
# units, then dpkg --purge. The root is booted with --volatile=overlay: nothing it does stays.
# Not in `make test`: it downloads Debian (debootstrap) and installs systemd-container and
# debootstrap when missing. Needs root.
#   DEB=dist/release/zog_X_amd64.deb scripts/nspawn_check.sh   # that package, not a new build
# Outside a systemd host, nspawn needs three things it would otherwise get from systemd:
# --keep-unit (no scope to ask the system bus for), --register=no (no machined), and a tmpfs
# on /run/systemd/nspawn (it refuses to clean its propagation folder on a disk filesystem).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "nspawn_check.sh: needs root (systemd-nspawn)" >&2; exit 1; }
need=()
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

ROOTFS=.cache/nspawn/bookworm
# The mirror apt uses (deb822 or one-line sources), else debootstrap's default.
MIRROR=${MIRROR:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | sed -n 's/^URIs: *//p; s/^deb \(http[^ ]*\) .*/\1/p' | head -n 1 || true)}
if [ ! -x "$ROOTFS/usr/lib/systemd/systemd" ]; then
  echo "debootstrap bookworm from ${MIRROR:-the default mirror} into $ROOTFS"
  rm -rf "$ROOTFS" && mkdir -p "$(dirname "$ROOTFS")"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$ROOTFS" ${MIRROR:+"$MIRROR"} >/dev/null
fi

work=$(mktemp -d -t zog-nspawn-XXXXXX)
nspawn=""
cleanup() {
  [ -n "$nspawn" ] && kill "$nspawn" 2>/dev/null && wait "$nspawn" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${DEB:-}" ]; then
  echo "building the linux-x64 .deb"
  TARGETS=linux-x64 OUT="$work/release" bash scripts/dist.sh >/dev/null
  DEB=$(ls "$work"/release/zog_*_amd64.deb)
fi
DEB=$(realpath "$DEB")

unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd/nspawn && exec systemd-nspawn --register=no --keep-unit \
  --private-network --volatile=overlay --console=pipe --bind-ro="$1":/opt/zog.deb -D "$2" -b' nspawn "$DEB" "$ROOTFS" \
  >"$work/console.log" 2>&1 &
nspawn=$!
# The container's PID 1: the child of systemd-nspawn, itself the process unshare became.
init=""
for _ in $(seq 1 60); do
  init=$(pgrep -P "$nspawn" | head -n 1 || true)
  [ -n "$init" ] && [ "$(nsenter -t "$init" -a systemctl is-system-running 2>/dev/null || true)" = running ] && break
  kill -0 "$nspawn" 2>/dev/null || { cat "$work/console.log" >&2; echo "nspawn_check.sh: the container did not boot" >&2; exit 1; }
  sleep 1 # polling the container's own systemd: nothing to wait on from outside
done
[ -n "$init" ] || { echo "nspawn_check.sh: no init process in the container" >&2; exit 1; }
echo "booted: systemd $(nsenter -t "$init" -a systemctl is-system-running 2>&1)"

nsenter -t "$init" -a sh -eu <<'EOF'
DEBIAN_FRONTEND=noninteractive dpkg -i /opt/zog.deb >/dev/null
echo "installed: $(zog --version); user $(getent passwd zog | cut -d: -f1,7)"
mkdir -p /etc/zog /etc/uwsgi/vassals
printf '[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "127.0.0.2"\n' >/etc/zog/ring.toml
zog --check --config /etc/zog/ring.toml
printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["600"]\n' >/etc/uwsgi/vassals/sleeper.toml
systemctl start zog emperor
for i in $(seq 1 50); do zog status >/dev/null 2>&1 && emperor status 2>/dev/null | grep -q 'sleeper.toml  *plain  *running' && break; sleep 0.2; done
echo "units: zog $(systemctl is-active zog), emperor $(systemctl is-active emperor)"
zog status | head -n 1
sprog --server 127.0.0.1 -n 1 -m "hello from systemd-nspawn"
emperor status | sed -n 2p
for u in zog zeus emperor; do systemd-analyze security "$u.service" --no-pager 2>&1 | tail -n 1; done
systemctl stop zog emperor
dpkg --purge zog >/dev/null
[ ! -e /usr/bin/zog ] && echo "purged"
EOF
nsenter -t "$init" -a systemctl poweroff
wait "$nspawn" && nspawn=""
echo "nspawn_check.sh: ok"
