#!/usr/bin/env bash
# Builds the web app into web/dist: the engine as wasm (cargo, then
# wasm-bindgen, then optionally wasm-opt), xterm.js from npm, the page and
# worker, and the root disk: the chunked Debian image of dev/debian-image.sh
# in dist/disk (built once and cached; building the root the first time
# needs root privileges and debootstrap).
#   usage: web/build.sh          (TABVM_WASM_OPT=1 runs wasm-opt -O2 too)
set -euo pipefail
cd "$(dirname "$0")"
web=$PWD
repo=$(cd .. && pwd)
dist="$web/dist"

. "$repo/dev/deps.sh"
ensure_rust_targets
ensure_wasm_bindgen

echo "build: compiling tabvm-web for wasm32" >&2
(cd "$repo" && cargo build --release -p tabvm-web --target wasm32-unknown-unknown)
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
wasm="$target_dir/wasm32-unknown-unknown/release/tabvm_web.wasm"

rm -rf "$dist"
mkdir -p "$dist/pkg" "$dist/vendor"
wasm-bindgen --target web --no-typescript --out-dir "$dist/pkg" "$wasm"

# wasm-opt is opt-in: Debian's binaryen 108 breaks the module (the page
# fails with "WebAssembly.Table.set(): Argument 1 is invalid for table" on
# wasm-bindgen's externref table). A newer binaryen works.
if [ "${TABVM_WASM_OPT:-0}" = 1 ]; then
  echo "build: wasm-opt" >&2
  out="$dist/pkg/tabvm_web_bg.wasm"
  wasm-opt -O2 "$out" -o "$out.opt"
  mv "$out.opt" "$out"
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
cp node_modules/@xterm/xterm/lib/xterm.mjs node_modules/@xterm/xterm/css/xterm.css \
  node_modules/@xterm/addon-fit/lib/addon-fit.mjs "$dist/vendor/"
cp index.html main.js worker.js disk.js style.css "$dist/"

# Hard links where the cache shares the file system (the image is large and
# never changes in place: a new build makes a new directory), else a copy.
image=$(sh "$repo/dev/debian-image.sh")
cp -al "$image" "$dist/disk" 2>/dev/null || cp -a "$image" "$dist/disk"
echo "build: web app in $dist" >&2
