#!/usr/bin/env bash
# Packs the Debian root of dev/debian-root.sh for the page, as a gzipped tar
# the worker unpacks into the kernel's in-memory file system (until the page
# streams an ext2 disk instead). Owners stay numeric (/home/user is 1000);
# modes, symlinks and hard links are kept. What a session in a tab does not
# need is left out: documentation, translations, Python's test suite, gcc's
# LTO compiler and dumper, the sanitizer runtimes, vim's help/tutor/spell
# files, apt's package lists, and whatever native runs left in /tmp.
#   usage: web/debian-root.sh OUT.tar.gz
# The archive is deterministic and cached under ~/.cache/tabvm, keyed by the
# root's directory (itself keyed by what built it) and this script.
set -euo pipefail

out=$(realpath -m "$1")
root=$(sh "$(dirname "$0")/../dev/debian-root.sh")
key="$(basename "$(dirname "$root")")-$(sha256sum <"$0" | cut -c1-12)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tabvm/web-root"
packed="$cache/$key.tar.gz"

if [ ! -f "$packed" ]; then
  mkdir -p "$cache"
  tmp="$packed.tmp"
  gcc_lib=./usr/lib/gcc/i686-linux-gnu/12
  vim=./usr/share/vim/vim90
  # Native runs write into the root (at least /tmp's time changes); times
  # are clamped to when it was built, so the archive does not change.
  built=$(stat -c %Y "$root/etc/hostname")
  # find lists what stays, sorted bytewise so the order never depends on
  # the host's locale; tar archives exactly that list.
  (cd "$root" && find . \( \
      -path ./usr/share/doc -o -path ./usr/share/man -o -path ./usr/share/info \
      -o -path ./usr/share/lintian -o -path ./usr/share/i18n \
      -o -path './usr/share/locale/*' -type d \
      -o -path ./usr/lib/python3.11/test -o -path './usr/bin/*lto-dump*' \
      -o -path "$gcc_lib/lto1" -o -path "$gcc_lib/lib*san*" \
      -o -path "$gcc_lib/include/sanitizer" \
      -o -path './usr/lib/i386-linux-gnu/lib*san.so*' \
      -o -path "$vim/doc" -o -path "$vim/lang" -o -path "$vim/spell" -o -path "$vim/tutor" \
      -o -path './var/cache/apt/*' -o -path './var/lib/apt/lists/*' \
      -o -path './tmp/*' -o -path './var/tmp/*' \
    \) -prune -o -print0 | LC_ALL=C sort -z |
    tar --format=gnu --numeric-owner --mtime="@$built" --clamp-mtime \
      --no-recursion --null -T - -cf -) |
    gzip -n -6 >"$tmp"
  mv "$tmp" "$packed"
fi
cp "$packed" "$out"
echo "debian-root: wrote $out ($(du -h "$out" | cut -f1))" >&2
