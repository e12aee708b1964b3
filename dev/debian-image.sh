#!/bin/sh
# Prints the path of a chunked, gzip-compressed 1 GiB ext2 image of the Debian
# i386 root of dev/debian-root.sh (a directory of manifest.json plus chunk
# files, ready for `tabvm run --image DIR`, `tabvm serve` or any static web
# host), building it once:
#   ~/.cache/tabvm/debian-image-<key>/chunks
#   key = hash of this script, the root's path (itself keyed by its inputs)
#         and the sources that decide the image's bytes and chunk format.
# Builds the release tabvm CLI it needs (honouring CARGO_TARGET_DIR). The
# image is made beside its final place and renamed at the end, so a half-built
# one is never used. Only the path goes to stdout.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
root=$(sh "$here/dev/debian-root.sh")
size=1G
key=$( (cat "$0"; echo "$root $size"; cat "$here/crates/cli/src/image/build.rs" \
    "$here/crates/cli/src/image/chunk.rs" "$here/crates/disk/src/manifest.rs") |
    sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tabvm"
dir="$cache/debian-image-$key"
out="$dir/chunks"

mkdir -p "$cache"
# One build at a time: parallel tests and the web build may all ask for it.
exec 9>"$dir.lock"
flock 9
if [ ! -f "$out/manifest.json" ]; then
    echo "debian-image.sh: building tabvm (release)" >&2
    (cd "$here" && cargo build --release -q -p tabvm-cli >&2)
    tabvm="${CARGO_TARGET_DIR:-$here/target}/release/tabvm"
    tmp="$dir/tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # What native test and benchmark runs left in the root stays out: the
    # image is a staging copy (hard links where possible) without it.
    cp -al "$root" "$tmp/root" 2>/dev/null || cp -a "$root" "$tmp/root"
    (cd "$tmp/root" && rm -rf ./tmp/* ./var/tmp/* ./var/cache/apt/* ./var/lib/apt/lists/*)
    echo "debian-image.sh: $size ext2 image of $root, then chunks into $out" >&2
    "$tabvm" image build --from-dir "$tmp/root" --size "$size" "$tmp/root.ext2" >&2
    "$tabvm" image chunk --compression gzip "$tmp/root.ext2" "$tmp/chunks" >&2
    rm -rf "$out"
    mv "$tmp/chunks" "$out"
    rm -rf "$tmp"
fi
echo "$out"
