#!/bin/sh
# Prints the path of a Debian bookworm i386 root, building it once with
# debootstrap (minbase plus the packages below) and the user `user` (uid 1000)
# whose home holds the examples in image/home/; the benchmark inputs of
# bench/debian/ go to /usr/local/share/tabvm-bench.
#   ~/.cache/tabvm/debian-<key>/root   key = hash of this script and those files
# The build happens beside the final place and is renamed at the end, so a
# half-built root is never used. Needs root (debootstrap chroots).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
packages=bash,coreutils,findutils,grep,sed,gawk,python3,libpython3.11-testsuite,gcc,libc6-dev,make,binutils,perl,vim,less,procps,file,xz-utils,bzip2,sqlite3
key=$( (cat "$0"; find "$here/image/home" "$here/bench/debian" -type f | sort | xargs cat) | sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tabvm"
dir="$cache/debian-$key"
root="$dir/root"

mkdir -p "$cache"
# One build at a time: parallel test binaries may all ask for the root.
exec 9>"$dir.lock"
flock 9
if [ ! -x "$root/bin/bash" ]; then
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    command -v debootstrap >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends debootstrap >&2
    tmp="$dir/root.tmp"
    as_root rm -rf "$tmp"
    mkdir -p "$dir"
    echo "debian-root.sh: debootstrap bookworm i386 into $tmp (a few minutes)" >&2
    as_root debootstrap --arch=i386 --variant=minbase --include="$packages" \
        bookworm "$tmp" >&2
    as_root chroot "$tmp" useradd --create-home --uid 1000 --shell /bin/bash user
    as_root cp -r "$here/image/home/." "$tmp/home/user/"
    as_root chroot "$tmp" chown -R user:user /home/user
    as_root mkdir -p "$tmp/usr/local/share/tabvm-bench"
    as_root cp "$here/bench/debian/"* "$tmp/usr/local/share/tabvm-bench/"
    echo tabvm > "$tmp/etc/hostname"
    # Package caches are not part of the system; leaving them out keeps images small.
    as_root rm -rf "$tmp/var/cache/apt/archives"/*.deb "$tmp/var/lib/apt/lists"/*_Packages
    as_root rm -rf "$root"
    mv "$tmp" "$root"
fi
echo "$root"
