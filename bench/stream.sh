#!/usr/bin/env bash
# Streaming-disk figures, natively over loopback HTTP (`tabvm serve`):
#   - time and bytes to a shell prompt (`bash -lc true`) on the Debian image
#     of dev/debian-image.sh, from a cold and from a warm chunk cache, and
#     of the same root as a raw image file read by byte ranges (no cache);
#   - sequential read throughput of a 200 MB file inside the VM, cold and
#     warm, from an image holding that file and a static reader;
#   - `tabvm image chunk` throughput on that image.
# The page's figures come from bench/browser.mjs (time and bytes to prompt).
#   usage: bench/stream.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out="$here/out/stream"
target="${CARGO_TARGET_DIR:-$repo/target}"
rm -rf "$out"
mkdir -p "$out"

echo "building tabvm (release)" >&2
(cd "$repo" && cargo build --release -q -p tabvm-cli)
tabvm="$target/release/tabvm"

server=
stop_server() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; server=; }
trap stop_server EXIT

# serve DIR : starts `tabvm serve` on a free loopback port; sets $url.
serve() {
    stop_server
    "$tabvm" serve --port 0 --dir "$1" >"$out/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do
        url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$out/serve.log" | head -n 1) && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "tabvm serve did not start" >&2; exit 1; }
}

# timed CACHE CMD... : runs `tabvm run --image $url` with CACHE as the cache
# home and prints "SECONDS BYTES" (BYTES: what crossed the network).
timed() {
    local cache=$1 t0 t1 bytes
    shift
    t0=$(date +%s%N)
    XDG_CACHE_HOME=$cache TABVM_STATS=1 "$tabvm" run --image "$url" --reset \
        --env PATH=/usr/bin:/bin -- "$@" >"$out/run.out" 2>"$out/run.err"
    t1=$(date +%s%N)
    bytes=$(grep -o 'fetched ([0-9]* bytes)' "$out/run.err" | grep -o '[0-9]*' || echo 0)
    awk -v ns=$((t1 - t0)) -v b="$bytes" 'BEGIN { printf "%.2f %d\n", ns / 1e9, b }'
}

report() { # WHAT "SECONDS BYTES" [MB read]
    read -r s b <<<"$2"
    if [ -n "${3:-}" ]; then
        awk -v w="$1" -v s="$s" -v b="$b" -v mb="$3" \
            'BEGIN { printf "%-34s %7.2f s %9.2f MB fetched %8.1f MB/s\n", w, s, b / 1e6, mb / s }'
    else
        awk -v w="$1" -v s="$s" -v b="$b" 'BEGIN { printf "%-34s %7.2f s %9.2f MB fetched\n", w, s, b / 1e6 }'
    fi
}

echo "== Debian image to a shell prompt" >&2
serve "$(sh "$repo/dev/debian-image.sh")"
cache=$(mktemp -d)
report "prompt, cold cache" "$(timed "$cache" /bin/bash -lc true)"
report "prompt, warm cache" "$(timed "$cache" /bin/bash -lc true)"
rm -rf "$cache"

echo "== Debian root as a raw image, by byte ranges, to a shell prompt" >&2
mkdir -p "$out/raw"
"$tabvm" image build --from-dir "$(sh "$repo/dev/debian-root.sh")" --size 1G "$out/raw/root.ext2" >&2
serve "$out/raw"
url="${url}root.ext2"
cache=$(mktemp -d)
report "prompt, byte ranges" "$(timed "$cache" /bin/bash -lc true)"
rm -rf "$cache" "$out/raw"

echo "== 200 MB sequential read" >&2
tree="$out/tree"
mkdir -p "$tree"
head -c 200000000 /dev/urandom >"$tree/big"
gcc -m32 -static -O2 -o "$tree/reader" -x c - <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    static char buf[1 << 16];
    long long total = 0;
    ssize_t n;
    int fd = open(argv[1], O_RDONLY);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += n;
    printf("%lld\n", total);
    return n < 0;
}
EOF
"$tabvm" image build --from-dir "$tree" --size 256M "$out/read.ext2" >&2
"$tabvm" image chunk "$out/read.ext2" "$out/read" 2>&1 | tail -n 1 | sed 's/^/chunking: /'
serve "$out/read"
cache=$(mktemp -d)
report "read 200 MB, cold cache" "$(timed "$cache" /reader /big)" 200
report "read 200 MB, warm cache" "$(timed "$cache" /reader /big)" 200
rm -rf "$cache" "$tree" "$out/read.ext2"
