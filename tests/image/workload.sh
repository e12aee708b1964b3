#!/bin/bash
# The write workload of crates/cli/tests/image_workload.rs, run the same way
# natively (chroot into the Debian root) and under tabvm (booted from an
# ext2 image of that root); the test compares the trees it leaves in OUT.
#
# Usage: workload.sh IN OUT
#   IN holds src.tar: tree/dNN/fNNNNN.txt (the many small files, a few
#   large ones) and proj/ (a small C project with a Makefile).
set -eu
in=$1 out=$2
rm -rf "$out"
mkdir -p "$out"
cd "$out"

tar -xf "$in/src.tar"

# Build and run the C project.
make -s -C proj
./proj/app > app.out

# Delete half of the files, then every file of one directory.
find tree -name 'f*[02468].txt' -delete
rm -r tree/d07

# Rename: directories across the tree, files within one.
mkdir moved
for d in tree/d*3; do mv "$d" moved/; done
for f in tree/d01/f*.txt; do mv "$f" "${f%.txt}.renamed"; done

# Truncate: shrink some files, grow others (a hole at the end).
for f in tree/d02/f*1.txt; do truncate -s 10 "$f"; done
for f in tree/d02/f*5.txt; do truncate -s 70000 "$f"; done
: > tree/d02/emptied

# Hard links, symlinks, modes.
mkdir links
for f in tree/d04/f*.txt; do ln "$f" links/; done
ln tree/d04/f00029.txt tree/d04/second-name
ln -s ../tree/d04 links/dir
ln -s "$(printf 'long/%.0s' {1..30})target" links/slow-symlink
chmod 600 tree/d05/*
chmod 711 tree/d06

# A 5 GiB sparse file: bytes at its start, middle and end, holes between.
printf 'start' > sparse
printf 'middle' | dd of=sparse bs=1 seek=$((3 << 30)) conv=notrunc status=none
truncate -s $((5 << 30)) sparse
printf 'end' | dd of=sparse bs=1 seek=$(((5 << 30) - 3)) conv=notrunc status=none

sync
