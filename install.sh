#!/bin/sh
# One-line install of zog, sprog, zeus and emperor:
#   curl -fsSL "$BASE_URL/install.sh" | BASE_URL="$BASE_URL" sh
#   curl -fsSL "$BASE_URL/install.sh" | BASE_URL="$BASE_URL" sh -s -- --systemd --cron
# Detects OS and architecture, downloads zog-<target>.tar.gz from BASE_URL, verifies it
# against BASE_URL/SHA256SUMS, and installs the binaries into PREFIX (default /usr/local/bin).
#   --systemd   also write systemd units for zog, zeus and emperor (SYSTEMD_DIR, default /etc/systemd/system)
#   --cron      also install a cron line that runs `sprog -n 1` every 5 minutes (CRON_FILE, default /etc/cron.d/sprog)
set -eu

BASE_URL=${BASE_URL:-}
PREFIX=${PREFIX:-/usr/local/bin}
SYSTEMD_DIR=${SYSTEMD_DIR:-/etc/systemd/system}
CRON_FILE=${CRON_FILE:-/etc/cron.d/sprog}
want_systemd=0
want_cron=0

die() { echo "install.sh: $*" >&2; exit 1; }

for arg in "$@"; do
  case "$arg" in
    --systemd) want_systemd=1 ;;
    --cron) want_cron=1 ;;
    *) die "unknown option '$arg' (known: --systemd, --cron)" ;;
  esac
done
[ -n "$BASE_URL" ] || die "set BASE_URL to the release folder holding zog-<target>.tar.gz and SHA256SUMS"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "unsupported OS '$(uname -s)' (supported: Linux, Darwin)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported architecture '$(uname -m)' (supported: x86_64, arm64)" ;;
esac
target="$os-$arch"
if [ "$os" = linux ] && [ "$arch" = x64 ] && ls /lib/ld-musl-* >/dev/null 2>&1; then target="$target-musl"; fi
tarball="zog-$target.tar.gz"

fetch() { # url file
  if command -v curl >/dev/null 2>&1; then curl -fsSL "$1" -o "$2"
  elif command -v wget >/dev/null 2>&1; then wget -q "$1" -O "$2"
  else die "neither curl nor wget is installed"; fi
}
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch "$BASE_URL/$tarball" "$tmp/$tarball" || die "cannot download $BASE_URL/$tarball"
fetch "$BASE_URL/SHA256SUMS" "$tmp/SHA256SUMS" || die "cannot download $BASE_URL/SHA256SUMS"
expected=$(awk -v f="$tarball" '$2 == f || $2 == "*"f {print $1}' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS has no line for $tarball"
actual=$(sha256 "$tmp/$tarball")
[ "$expected" = "$actual" ] || die "checksum mismatch for $tarball: expected $expected, got $actual; nothing installed"

mkdir -p "$tmp/x" "$PREFIX"
tar -xzf "$tmp/$tarball" -C "$tmp/x"
# One executable, four names: zog is copied, the others are hard links to it (each name
# picks its program). Every name is replaced atomically (a new file, then rename).
[ -f "$tmp/x/zog" ] || die "$tarball holds no zog executable"
cp "$tmp/x/zog" "$PREFIX/.zog.new" && chmod 0755 "$PREFIX/.zog.new" && mv -f "$PREFIX/.zog.new" "$PREFIX/zog"
for b in zog sprog zeus emperor; do
  [ "$b" = zog ] || { ln -f "$PREFIX/zog" "$PREFIX/.$b.new" && mv -f "$PREFIX/.$b.new" "$PREFIX/$b"; }
  echo "installed $PREFIX/$b ($("$PREFIX/$b" --version 2>/dev/null || echo "$target"))"
done

unit() { # name description exec-args
  cat >"$SYSTEMD_DIR/$1.service" <<UNIT
[Unit]
Description=$2
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=$PREFIX/$1 $3
ExecReload=/bin/kill -HUP \$MAINPID
Restart=on-failure
KillMode=mixed

[Install]
WantedBy=multi-user.target
UNIT
  echo "wrote $SYSTEMD_DIR/$1.service"
}
if [ "$want_systemd" = 1 ]; then
  mkdir -p "$SYSTEMD_DIR"
  unit zog "zog ring daemon" "--config /etc/zog/ring.toml"
  unit zeus "zeus vassal coordinator" "--zeus \"0.0.0.0:4040 /etc/zeus/vassals\" --state /var/lib/zeus/state.json --restore"
  unit emperor "emperor vassal supervisor" "--emperor /etc/uwsgi/vassals --state-dir /var/lib/emperor"
  echo "enable with: systemctl daemon-reload && systemctl enable --now zog (or zeus, emperor)"
fi
if [ "$want_cron" = 1 ]; then
  mkdir -p "$(dirname "$CRON_FILE")"
  echo "*/5 * * * * root $PREFIX/sprog --config /etc/zog/ring.toml -n 1 -m \"cron on \$(hostname)\"" >"$CRON_FILE"
  echo "wrote $CRON_FILE"
fi
