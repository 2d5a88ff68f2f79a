#!/usr/bin/env bash
# Builds a Debian package of one executable (zog, with sprog, zeus, emperor and cf-messages
# as hard links) into OUT: the systemd units and logrotate snippet install.sh writes
# (naming /usr/bin), man pages and bash/zsh completions the programs make, a `zog` system
# user made in postinst, /etc/logrotate.d/zog as a conffile.
#   EXE=dist/zog ARCH=amd64 OUT=dist/release scripts/deb.sh
# EXE is the target's executable; HOST_EXE (default EXE) one this machine runs, to make the
# man pages and completions (they come from the same definitions on every target).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${EXE:?set EXE to the executable to package}" "${ARCH:?set ARCH to amd64 or arm64}" "${OUT:?set OUT to the folder for the .deb}"
HOST_EXE=${HOST_EXE:-$EXE}
VERSION=${VERSION:-$(node -p "require('./package.json').version")}
NAMES=(zog sprog zeus emperor cf-messages)
[ -x "$EXE" ] || { echo "deb.sh: EXE=$EXE is not an executable file; build it first (make)" >&2; exit 2; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
pkg="$root/pkg"
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/man/man1" "$pkg/usr/share/bash-completion/completions" \
  "$pkg/usr/share/zsh/vendor-completions" "$root/host"
install -m 0755 "$EXE" "$pkg/usr/bin/zog"
for n in "${NAMES[@]:1}"; do ln "$pkg/usr/bin/zog" "$pkg/usr/bin/$n"; done

# Man pages and completions, made by the programs (each name picks its program).
install -m 0755 "$HOST_EXE" "$root/host/zog"
for n in "${NAMES[@]}"; do
  [ "$n" = zog ] || ln "$root/host/zog" "$root/host/$n"
  "$root/host/$n" man | gzip -9n >"$pkg/usr/share/man/man1/$n.1.gz"
  "$root/host/$n" completion bash >"$pkg/usr/share/bash-completion/completions/$n"
  "$root/host/$n" completion zsh >"$pkg/usr/share/zsh/vendor-completions/_$n"
done

# The units and the logrotate snippet, exactly as install.sh writes them for /usr/bin.
PREFIX=/usr/bin SYSTEMD_DIR="$pkg/usr/lib/systemd/system" LOGROTATE_DIR="$pkg/etc/logrotate.d" \
  sh install.sh --units-only >/dev/null

cat >"$pkg/DEBIAN/control" <<CONTROL
Package: zog
Version: $VERSION
Architecture: $ARCH
Maintainer: zog maintainers <zog@localhost>
Section: net
Priority: optional
Depends: libc6, passwd
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Description: ring message daemon (zog), its client (sprog), coordinator (zeus), supervisor (emperor)
 One executable under five names: zog, sprog, zeus, emperor and cf-messages (CFEngine's
 messages: promise module), with hardened systemd units for zog, zeus and emperor
 (not enabled: write /etc/zog/ring.toml, then systemctl enable --now zog).
CONTROL
echo /etc/logrotate.d/zog >"$pkg/DEBIAN/conffiles"

cat >"$pkg/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  # The zog unit's DynamicUser=yes takes this static user when it exists: files can be
  # given to it (certificates, keys) and it stays the same across restarts.
  if ! getent passwd zog >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/zog --no-create-home --shell /usr/sbin/nologin \
      --comment "zog ring daemon" zog
  fi
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
POSTINST
cat >"$pkg/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now zog.service zeus.service emperor.service >/dev/null 2>&1 || true
fi
PRERM
cat >"$pkg/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
# The zog user stays (Debian leaves system users: files may still belong to it).
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTRM
chmod 0755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/prerm" "$pkg/DEBIAN/postrm"

mkdir -p "$OUT"
deb="$OUT/zog_${VERSION}_$ARCH.deb"
dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$deb" >/dev/null
echo "$deb"
