#!/bin/sh
# One-line install of zog, sprog, zeus and emperor (and cf-messages, CFEngine's messages: promise module):
#   curl -fsSL "$BASE_URL/install.sh" | BASE_URL="$BASE_URL" sh
#   curl -fsSL "$BASE_URL/install.sh" | BASE_URL="$BASE_URL" sh -s -- --systemd --cron
# Detects OS and architecture, downloads zog-<target>.tar.gz from BASE_URL, verifies it
# against BASE_URL/SHA256SUMS, and installs the binaries into PREFIX (default /usr/local/bin):
# one executable named zog, sprog, zeus and emperor (hard links), with their man pages and
# bash and zsh completions under SHARE_DIR (default PREFIX/../share).
#   --systemd   also write hardened systemd units for zog, zeus and emperor (SYSTEMD_DIR, default /etc/systemd/system)
#               and a logrotate snippet for zog's access.log and error.log (LOGROTATE_DIR, default /etc/logrotate.d)
#   --units-only  write only the units and the logrotate snippet (as --systemd) naming binaries already
#               in PREFIX: no download, no install (scripts/deb.sh uses it for the .deb)
# ZOG_PUBKEY (an ssh public key, or a file holding one): also verify SHA256SUMS.sig, the
# release's detached signature of SHA256SUMS (ssh-keygen -Y sign -n file), before trusting it.
#   --cron      also install a cron line that runs `sprog -q -n 1` every 5 minutes (CRON_FILE, default /etc/cron.d/sprog):
#               quiet when the message is acknowledged, so cron mails only failures
set -eu

BASE_URL=${BASE_URL:-}
PREFIX=${PREFIX:-/usr/local/bin}
SYSTEMD_DIR=${SYSTEMD_DIR:-/etc/systemd/system}
CRON_FILE=${CRON_FILE:-/etc/cron.d/sprog}
LOGROTATE_DIR=${LOGROTATE_DIR:-/etc/logrotate.d}
SHARE_DIR=${SHARE_DIR:-$(dirname "$PREFIX")/share}
want_systemd=0
want_cron=0
units_only=0

die() { echo "install.sh: $*" >&2; exit 1; }

for arg in "$@"; do
  case "$arg" in
    --systemd) want_systemd=1 ;;
    --cron) want_cron=1 ;;
    --units-only) units_only=1 want_systemd=1 ;;
    *) die "unknown option '$arg' (known: --systemd, --cron, --units-only)" ;;
  esac
done
[ -n "$BASE_URL" ] || [ "$units_only" = 1 ] || die "set BASE_URL to the release folder holding zog-<target>.tar.gz and SHA256SUMS"

verify_signature() { # SHA256SUMS against SHA256SUMS.sig and ZOG_PUBKEY, or die
  command -v ssh-keygen >/dev/null 2>&1 || die "ZOG_PUBKEY is set but ssh-keygen is missing (apt-get install openssh-client)"
  fetch "$BASE_URL/SHA256SUMS.sig" "$tmp/SHA256SUMS.sig" || die "cannot download $BASE_URL/SHA256SUMS.sig (ZOG_PUBKEY is set: the release must be signed)"
  if [ -f "$ZOG_PUBKEY" ]; then key=$(cat "$ZOG_PUBKEY"); else key=$ZOG_PUBKEY; fi
  echo "zog-release namespaces=\"file\" $key" >"$tmp/allowed_signers"
  ssh-keygen -Y verify -f "$tmp/allowed_signers" -I zog-release -n file -s "$tmp/SHA256SUMS.sig" <"$tmp/SHA256SUMS" >/dev/null 2>&1 ||
    die "bad signature: SHA256SUMS.sig does not verify with ZOG_PUBKEY ($(echo "$key" | cut -c1-40)...); nothing installed"
  echo "verified SHA256SUMS's signature with ZOG_PUBKEY"
}

install_binaries() {
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
  # musl when the system's C library is (Alpine): ldd says so, or there is a musl loader and no
  # glibc one (Debian's musl package puts a musl loader beside glibc's).
  if [ "$os" = linux ] && [ "$arch" = x64 ]; then
    if ldd --version 2>&1 | grep -qi musl || { ls /lib/ld-musl-* >/dev/null 2>&1 && [ ! -e /lib64/ld-linux-x86-64.so.2 ]; }; then
      target="$target-musl"
    fi
  fi
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
  [ -z "${ZOG_PUBKEY:-}" ] || verify_signature
  expected=$(awk -v f="$tarball" '$2 == f || $2 == "*"f {print $1}' "$tmp/SHA256SUMS")
  [ -n "$expected" ] || die "SHA256SUMS has no line for $tarball"
  actual=$(sha256 "$tmp/$tarball")
  [ "$expected" = "$actual" ] || die "checksum mismatch for $tarball: expected $expected, got $actual; nothing installed"

  mkdir -p "$tmp/x" "$PREFIX"
  tar -xzf "$tmp/$tarball" -C "$tmp/x"
  # One executable, five names (cf-messages: CFEngine's messages: promise type): zog is copied, the others are hard links to it (each name
  # picks its program). Every name is replaced atomically (a new file, then rename).
  [ -f "$tmp/x/zog" ] || die "$tarball holds no zog executable"
  cp "$tmp/x/zog" "$PREFIX/.zog.new" && chmod 0755 "$PREFIX/.zog.new" && mv -f "$PREFIX/.zog.new" "$PREFIX/zog"
  for b in zog sprog zeus emperor cf-messages; do
    [ "$b" = zog ] || { ln -f "$PREFIX/zog" "$PREFIX/.$b.new" && mv -f "$PREFIX/.$b.new" "$PREFIX/$b"; }
    echo "installed $PREFIX/$b ($("$PREFIX/$b" --version 2>/dev/null || echo "$target"))"
  done

  # Man pages and completions, made by the programs from the definitions behind --help.
  mkdir -p "$SHARE_DIR/man/man1" "$SHARE_DIR/bash-completion/completions" "$SHARE_DIR/zsh/site-functions"
  for b in zog sprog zeus emperor cf-messages; do
    "$PREFIX/$b" man >"$SHARE_DIR/man/man1/$b.1"
    "$PREFIX/$b" completion bash >"$SHARE_DIR/bash-completion/completions/$b"
    "$PREFIX/$b" completion zsh >"$SHARE_DIR/zsh/site-functions/_$b"
  done
  echo "installed man pages and bash/zsh completions under $SHARE_DIR"
}
[ "$units_only" = 1 ] || install_binaries

# The units start on a fresh machine (systemd makes their config, state and log folders),
# serve --stats on loopback where "PROGRAM status" looks by default, and are sandboxed:
# `systemd-analyze security` rates zog and zeus about 1.4 and the emperor about 3.3 (it
# must stay root to run vassals as their users and manage their cgroups).
SANDBOX='UMask=0027
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateUsers=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
CapabilityBoundingSet=
AmbientCapabilities=
DevicePolicy=closed
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
SystemCallErrorNumber=EPERM'

unit() { # name description check-args exec-args service-lines
  cat >"$SYSTEMD_DIR/$1.service" <<UNIT
[Unit]
Description=$2
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
ExecStartPre=$PREFIX/$1 --check $3
ExecStart=$PREFIX/$1 $4
ExecReload=/bin/kill -HUP \$MAINPID
Restart=on-failure
RestartSec=1
KillMode=mixed
LimitNOFILE=65536
$5

[Install]
WantedBy=multi-user.target
UNIT
  echo "wrote $SYSTEMD_DIR/$1.service"
}
if [ "$want_systemd" = 1 ]; then
  mkdir -p "$SYSTEMD_DIR"
  # zog: ring.toml in /etc/zog; log_dir must be under /var/log/zog and state_dir under
  # /var/lib/zog (the defaults are).
  # AF_NETLINK: finding this machine's addresses (the node whose host is one of them).
  # BUN_JSC_useFTLJIT=0: the daemon runs without the FTL JIT (docs/ring.md); set here, it
  # need not start itself again to set it.
  unit zog "zog ring daemon" "--config /etc/zog/ring.toml" \
    "--config /etc/zog/ring.toml --stats 127.0.0.1:55553" \
    "Environment=BUN_JSC_useFTLJIT=0
DynamicUser=yes
ConfigurationDirectory=zog
StateDirectory=zog
LogsDirectory=zog
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
$SANDBOX"
  # zeus: on loopback in plain mode; for emperors on other machines listen on a public
  # address with TLS: --zeus "0.0.0.0:4040,/etc/zeus/zeus.crt,/etc/zeus/zeus.key,/etc/zeus/ca.crt /etc/zeus/vassals".
  unit zeus "zeus vassal coordinator" "--vassals /etc/zeus/vassals" \
    "--listen 127.0.0.1:4040 --vassals /etc/zeus/vassals --state /var/lib/zeus/state.json --stats 127.0.0.1:4041" \
    "DynamicUser=yes
ConfigurationDirectory=zeus zeus/vassals
StateDirectory=zeus
LogsDirectory=zeus
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
$SANDBOX"
  # emperor: root, to run vassals as their user/group (setuid) and in their own cgroups
  # (Delegate=yes: systemd hands it its cgroup subtree); vassals inherit this sandbox.
  unit emperor "emperor vassal supervisor" "--emperor /etc/uwsgi/vassals" \
    "--emperor /etc/uwsgi/vassals --state-dir /var/lib/emperor --stats 127.0.0.1:4042" \
    "TimeoutStopSec=30
Delegate=yes
ConfigurationDirectory=uwsgi uwsgi/vassals
StateDirectory=emperor
LogsDirectory=emperor
UMask=0022
NoNewPrivileges=yes
ProtectSystem=full
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_KILL CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_NET_BIND_SERVICE CAP_SYS_RESOURCE
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM"
  # logrotate moves access.log and error.log (never the journal and store: they are in
  # state_dir), then SIGHUP makes zog reopen them; delaycompress leaves the moved file alone
  # until the next run, by when zog writes to the new one.
  mkdir -p "$LOGROTATE_DIR"
  cat >"$LOGROTATE_DIR/zog" <<'ROTATE'
/var/log/zog/*/access.log /var/log/zog/*/error.log {
    daily
    rotate 14
    compress
    delaycompress
    missingok
    notifempty
    sharedscripts
    postrotate
        systemctl kill --signal=HUP --kill-whom=main zog.service >/dev/null 2>&1 || true
    endscript
}
ROTATE
  echo "wrote $LOGROTATE_DIR/zog"
  echo "enable with: systemctl daemon-reload && systemctl enable --now zog (or zeus, emperor)"
fi
if [ "$want_cron" = 1 ]; then
  mkdir -p "$(dirname "$CRON_FILE")"
  echo "*/5 * * * * root $PREFIX/sprog --config /etc/zog/ring.toml -q -n 1 -m \"cron on \$(hostname)\"" >"$CRON_FILE"
  echo "wrote $CRON_FILE"
fi
