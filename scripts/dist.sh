#!/usr/bin/env bash
# Cross-builds one tarball per target into dist/release (OUT), with install.sh, a CycloneDX
# SBOM (scripts/sbom.ts) and SHA256SUMS.
# Each tarball holds ONE executable under four names (hard links): zog, sprog, zeus,
# emperor; it runs the program named by the name it was started as. windows-x64 gets
# sprog.exe only.
# Bun's own cross-compile downloads runtimes from a hard-coded host; instead each target's
# runtime comes from the npm registry (`npm pack @oven/bun-<os>-<arch>`) and is passed with
# --compile-executable-path. This machine's own target uses the pinned Bun itself.
#   TARGETS="linux-x64" OUT=/tmp/rel scripts/dist.sh    # a subset, elsewhere
# linux-x64 and linux-arm64 also become .deb packages (scripts/deb.sh; DEBS=0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."

BUN=node_modules/.bin/bun
VERSION=${VERSION:-$(node -p "require('./package.json').version")}
COMMIT=${COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
BUILT=${BUILT:-$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)}
BUN_VERSION=$(node -p "require('./node_modules/bun/package.json').version")
CACHE=.cache/bun-runtimes/$BUN_VERSION
OUT=${OUT:-dist/release}
DEBS=${DEBS:-1}
read -r -a TARGETS <<<"${TARGETS:-linux-x64 linux-arm64 linux-x64-musl darwin-x64 darwin-arm64 windows-x64}"

host_target() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  # The C library this machine runs on (ldd says), not whether a musl loader exists:
  # Debian's musl package installs one beside glibc. As install.sh decides.
  if [ "$os" = linux ] && { ldd --version 2>&1 | grep -qi musl || { ls /lib/ld-musl-* >/dev/null 2>&1 && ! ls /lib*/ld-linux-* >/dev/null 2>&1; }; }; then
    echo "$os-$arch-musl"
  else
    echo "$os-$arch"
  fi
}
HOST=$(host_target)

rm -rf "$OUT" && mkdir -p "$OUT" "$CACHE"

runtime() { # target -> path of that target's bun executable, fetched once
  local target=$1 os arch libc="" pkg dir
  IFS=- read -r os arch libc <<<"$target"
  [ "$arch" = arm64 ] && arch=aarch64
  pkg="@oven/bun-$os-$arch${libc:+-$libc}"
  dir="$CACHE/$target"
  if [ ! -d "$dir/package" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$pkg@$BUN_VERSION" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
  fi
  ls "$dir"/package/bin/bun* | head -n 1
}

for target in "${TARGETS[@]}"; do
  cross=()
  if [ "$target" != "$HOST" ]; then cross=(--target="bun-$target" --compile-executable-path "$(runtime "$target")"); fi
  stage="$OUT/zog-$target"
  mkdir -p "$stage"
  if [[ $target == windows-* ]]; then names=(sprog.exe); else names=(zog sprog zeus emperor cf-messages); fi
  "$BUN" build --compile --minify --bytecode --format=cjs "${cross[@]}" \
    --define ZOG_VERSION="\"$VERSION\"" --define ZOG_COMMIT="\"$COMMIT\"" --define ZOG_BUILD_DATE="\"$BUILT\"" \
    cmd/multicall.ts --outfile "$stage/${names[0]}" >/dev/null
  for n in "${names[@]:1}"; do ln "$stage/${names[0]}" "$stage/$n"; done
  # GNU tar stores the later names as hard links: the tarball holds one executable.
  tar -C "$stage" -czf "$OUT/zog-$target.tar.gz" "${names[@]}"
  if [ "$DEBS" = 1 ] && [[ $target == linux-x64 || $target == linux-arm64 ]]; then mv "$stage" "$OUT/.deb-$target"; fi
  rm -rf "$stage"
  printf '%-16s %s\n' "$target" "$(du -h "$OUT/zog-$target.tar.gz" | cut -f1)"
done

# The .debs; man pages and completions come from an executable this machine runs.
for stage in "$OUT"/.deb-*; do
  [ -d "$stage" ] || continue
  target=${stage##*/.deb-}
  host_exe="$OUT/.deb-$HOST/zog"
  [ -x "$host_exe" ] || { make -s dist/zog && host_exe=dist/zog; }
  EXE="$stage/zog" HOST_EXE="$host_exe" ARCH=$([ "$target" = linux-arm64 ] && echo arm64 || echo amd64) OUT="$OUT" \
    VERSION="$VERSION" bash scripts/deb.sh >/dev/null
done
rm -rf "$OUT"/.deb-*
ls "$OUT"/*.deb >/dev/null 2>&1 && for d in "$OUT"/*.deb; do printf '%-16s %s\n' "${d##*/}" "$(du -h "$d" | cut -f1)"; done

cp install.sh "$OUT/install.sh"
# The SBOM (CycloneDX, from package-lock.json, offline): the bundled packages and each target's Bun runtime.
SBOM="zog-$VERSION.cdx.json"
"$BUN" run scripts/sbom.ts "$VERSION" "$BUILT" "${TARGETS[@]}" >"$OUT/$SBOM"
(cd "$OUT" && sha256sum ./*.tar.gz $(ls ./*.deb 2>/dev/null) "$SBOM" install.sh | sed 's| \./| |' >SHA256SUMS)
# SIGN_KEY (an ssh private key): a detached signature, verified with ssh-keygen -Y verify (README).
if [ -n "${SIGN_KEY:-}" ]; then
  ssh-keygen -q -Y sign -f "$SIGN_KEY" -n file "$OUT/SHA256SUMS" || { echo "dist.sh: cannot sign with SIGN_KEY=$SIGN_KEY" >&2; exit 1; }
  echo "wrote $OUT/SHA256SUMS.sig"
fi
echo "wrote $OUT/$SBOM, $OUT/install.sh and $OUT/SHA256SUMS"
