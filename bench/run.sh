#!/usr/bin/env bash
# Runs the integer benchmark natively, under qemu-i386 and under `tabvm run`, checks
# that all three print the same checksum, and prints times and ratios vs native.
#   usage: bench/run.sh [ROUNDS]      (default: the program's own, ~1 s natively)
# Every engine takes the best of 3 runs (this machine kind is noisy).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out="$here/out"
mkdir -p "$out"
target="${CARGO_TARGET_DIR:-$repo/target}"
args=("$@")

echo "building bench/int/bench.c (gcc -m32 -static -O2) and tabvm (release)" >&2
gcc -m32 -static -O2 -o "$out/bench-int" "$here/int/bench.c"
(cd "$repo" && cargo build --release -q -p tabvm-cli)
tabvm="$target/release/tabvm"

# time_run NAME RUNS CMD... : sets $best (seconds, 3 decimals) and $sum (checksum line).
time_run() {
    local name=$1 runs=$2
    shift 2
    local best_ns=
    for ((i = 0; i < runs; i++)); do
        local t0 t1 line
        t0=$(date +%s%N)
        line=$("$@")
        t1=$(date +%s%N)
        local ns=$((t1 - t0))
        if [ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ]; then best_ns=$ns; fi
        sum=$line
    done
    best=$(awk -v ns="$best_ns" 'BEGIN { printf "%.3f", ns / 1e9 }')
    echo "  $name: $best s  ($sum)" >&2
}

declare -a names times sums
time_run native 3 "$out/bench-int" "${args[@]}"
names+=(native); times+=("$best"); sums+=("$sum")

if command -v qemu-i386 >/dev/null; then
    time_run qemu-i386 3 qemu-i386 "$out/bench-int" "${args[@]}"
    names+=(qemu-i386); times+=("$best"); sums+=("$sum")
else
    echo "  qemu-i386: not installed (Debian package qemu-user), skipped" >&2
fi

time_run tabvm 3 "$tabvm" run --root / -- "$out/bench-int" "${args[@]}"
names+=("tabvm (interpreter)"); times+=("$best"); sums+=("$sum")

status=0
printf '\n%-22s %10s %10s  %s\n' engine seconds "x native" checksum
for i in "${!names[@]}"; do
    ratio=$(awk -v t="${times[$i]}" -v n="${times[0]}" 'BEGIN { printf "%.1f", t / n }')
    printf '%-22s %10s %10s  %s\n' "${names[$i]}" "${times[$i]}" "$ratio" "${sums[$i]}"
    if [ "${sums[$i]}" != "${sums[0]}" ]; then
        echo "error: ${names[$i]} computed a different checksum than native" >&2
        status=1
    fi
done
tabvm_ratio=$(awk -v t="${times[-1]}" -v n="${times[0]}" 'BEGIN { printf "%.1f", t / n }')
target_ok=$(awk -v r="$tabvm_ratio" 'BEGIN { print (r <= 25 ? "met" : "NOT met") }')
printf '\ntarget for the interpreter: <= 25x native — %s (%sx)\n' "$target_ok" "$tabvm_ratio"
exit $status
