#!/usr/bin/env bash
# Cross-builds one tarball per target into dist/release, with SHA256SUMS.
# Bun's own cross-compile downloads runtimes from a hard-coded host; instead each target's
# runtime comes from the npm registry (`npm pack @oven/bun-<os>-<arch>`) and is passed with
# --compile-executable-path.
set -euo pipefail
cd "$(dirname "$0")/.."

BUN=node_modules/.bin/bun
VERSION=${VERSION:-$(node -p "require('./package.json').version")}
BUN_VERSION=$(node -p "require('./node_modules/bun/package.json').version")
CACHE=.cache/bun-runtimes/$BUN_VERSION
OUT=dist/release
TARGETS=(linux-x64 linux-arm64 linux-x64-musl darwin-x64 darwin-arm64 windows-x64)

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
  exe=$(runtime "$target")
  bins=(zog sprog zeus emperor)
  suffix=""
  if [[ $target == windows-* ]]; then bins=(sprog); suffix=.exe; fi
  stage="$OUT/zog-$target"
  mkdir -p "$stage"
  for b in "${bins[@]}"; do
    "$BUN" build --compile --minify --target="bun-$target" --compile-executable-path "$exe" \
      --define ZOG_VERSION="\"$VERSION\"" "cmd/$b.ts" --outfile "$stage/$b$suffix" >/dev/null
  done
  tar -C "$stage" -czf "$OUT/zog-$target.tar.gz" .
  rm -rf "$stage"
  printf '%-16s %s\n' "$target" "$(du -h "$OUT/zog-$target.tar.gz" | cut -f1)"
done

(cd "$OUT" && sha256sum ./*.tar.gz | sed 's| \./| |' > SHA256SUMS)
echo "wrote $OUT/SHA256SUMS"
