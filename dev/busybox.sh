#!/bin/sh
# Prints the path of Debian's static i386 busybox, downloading and extracting it once:
#   ~/.cache/tabvm/busybox/busybox-static_*_i386.deb   (the package)
#   ~/.cache/tabvm/busybox-static-i386/root/            (its extracted contents)
# Used by crates/cli/tests/busybox.rs.
set -eu

cache="${XDG_CACHE_HOME:-$HOME/.cache}/tabvm"
root="$cache/busybox-static-i386/root"
bin="$root/bin/busybox"

if [ ! -x "$bin" ]; then
    mkdir -p "$cache/busybox"
    deb=$(ls "$cache"/busybox/busybox-static_*_i386.deb 2>/dev/null | tail -n 1 || true)
    if [ -z "$deb" ]; then
        echo "busybox.sh: downloading busybox-static:i386" >&2
        (cd "$cache/busybox" && apt-get download -q busybox-static:i386 >&2)
        deb=$(ls "$cache"/busybox/busybox-static_*_i386.deb | tail -n 1)
    fi
    # Extract next to the final place and rename, so a half-done extraction is never used.
    mkdir -p "$cache/busybox-static-i386"
    tmp="$root.tmp.$$"
    rm -rf "$tmp"
    dpkg-deb -x "$deb" "$tmp"
    dpkg-deb -f "$deb" Version > "$tmp/VERSION"
    rm -rf "$root"
    mv "$tmp" "$root"
fi
echo "$bin"
