#!/usr/bin/env bash
# Runs the benchmark workloads natively, under qemu-i386, under `tabvm run` and
# (the Debian workloads, when Chromium is installed) in the web page in
# headless Chromium; checks that every engine prints the same result, and
# prints times and ratios against native.
#   usage: bench/run.sh [WORKLOAD...]      (default: all; see bench/README.md)
# Every engine takes the best of 3 runs (this machine kind is noisy).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out="$here/out"
mkdir -p "$out"
target="${CARGO_TARGET_DIR:-$repo/target}"
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(int python-fib gcc-compile primes fasta nbody binarytrees gzip xz)

echo "building tabvm (release)" >&2
(cd "$repo" && cargo build --release -q -p tabvm-cli)
tabvm="$target/release/tabvm"

status=0

# Workloads in the Debian root run in /var/tmp/tabvm-bench inside it: natively
# under chroot (root privileges needed), under qemu-i386 with the root as its
# library prefix, and under tabvm with the root as guest root.
debian_root() {
    [ -n "${root:-}" ] || root=$(bash "$repo/dev/debian-root.sh")
    mkdir -p "$root/var/tmp/tabvm-bench"
}
in_root() { chroot "$root" /usr/bin/env -i -C /var/tmp/tabvm-bench PATH=/usr/bin:/bin "$@"; }
in_qemu() { (cd "$root/var/tmp/tabvm-bench" && qemu-i386 -L "$root" "$root$1" "${@:2}"); }
in_tabvm() { "$tabvm" run --root "$root" --cwd /var/tmp/tabvm-bench --env PATH=/usr/bin:/bin -- "$@"; }

# browser_run SETUP CMD : loads the page once (bench/browser.mjs), runs SETUP,
# then CMD three times; sets $best to the fastest and $sum to CMD's output
# line when it is the native result, else "differs".
browser_run() {
    best=
    if ! command -v chromium >/dev/null; then
        echo "  chromium: not installed, skipped" >&2
        return
    fi
    (cd "$repo" && bash web/build.sh >&2)
    local times
    if ! times=$(node "$here/browser.mjs" "$1" "$2" "$2" "$2" 2>"$out/browser.log"); then
        echo "  chromium: failed (see $out/browser.log)" >&2
        status=1
        return
    fi
    best=$(printf '%s\n' "$times" | tail -n 3 | cut -f1 | sort -n | head -n 1)
    if grep -qx -- "$native_sum" "$out/browser.log"; then sum=$native_sum; else sum=differs; fi
    echo "  chromium: $best s  ($sum)" >&2
}

# time_run NAME CMD... : best of 3; sets $best (seconds) and $sum (output).
time_run() {
    local name=$1 best_ns= line t0 t1
    shift
    for _ in 1 2 3; do
        t0=$(date +%s%N)
        line=$("$@" | tail -n 1)
        t1=$(date +%s%N)
        if [ -z "$best_ns" ] || [ $((t1 - t0)) -lt "$best_ns" ]; then best_ns=$((t1 - t0)); fi
        sum=$line
    done
    best=$(awk -v ns="$best_ns" 'BEGIN { printf "%.3f", ns / 1e9 }')
    echo "  $name: $best s  ($sum)" >&2
}

# digest CMD... : CMD's whole output as a short checksum.
digest() { "$@" | md5sum | cut -c1-12; }

rows=()
record() { # WORKLOAD ENGINE
    rows+=("$1|$2|$best|$sum")
}

# tabvm_rows WORKLOAD CMD... : a tabvm command timed with the JIT (the
# default) and interpreting only (TABVM_JIT=off); one more run with
# TABVM_STATS=1 gives the JIT's compile time as a share of the JIT time.
compile_shares=()
tabvm_rows() {
    local w=$1 ms
    shift
    time_run tabvm "$@"; record "$w" tabvm
    ms=$(TABVM_STATS=1 "$@" 2>&1 >/dev/null | sed -n 's/.*compiled in \([0-9]*\) ms.*/\1/p' | tail -n 1)
    compile_shares+=("$w ${ms:-0} $best")
    TABVM_JIT=off time_run tabvm-interp "$@"; record "$w" tabvm-interp
}


for w in "${workloads[@]}"; do
    echo "== $w" >&2
    case $w in
    int)
        gcc -m32 -static -O2 -o "$out/bench-int" "$here/int/bench.c"
        time_run native "$out/bench-int"; record "$w" native
        time_run qemu-i386 qemu-i386 "$out/bench-int"; record "$w" qemu-i386
        tabvm_rows "$w" "$tabvm" run --root / -- "$out/bench-int"
        ;;
    python-fib)
        debian_root
        cp "$here/debian/fib.py" "$root/var/tmp/tabvm-bench/"
        time_run native in_root python3 fib.py 27; record "$w" native
        time_run qemu-i386 in_qemu /usr/bin/python3 fib.py 27; record "$w" qemu-i386
        tabvm_rows "$w" in_tabvm /usr/bin/python3 fib.py 27
        native_sum=${rows[-3]##*|}
        browser_run true "python3 /usr/local/share/tabvm-bench/fib.py 27"
        [ -z "$best" ] || record "$w" chromium
        ;;
    gcc-compile)
        # cc1 itself on a preprocessed file: the compile proper, and one
        # process, so qemu-i386 (which cannot follow gcc's exec of cc1)
        # measures the same thing.
        debian_root
        python3 "$here/debian/gen-c.py" "$root/var/tmp/tabvm-bench/big.c"
        in_root gcc -E -o big.i big.c
        cc1=/usr/lib/gcc/i686-linux-gnu/12/cc1
        compile=("$cc1" -quiet -O2 big.i -o big.s)
        check() { "$@" && md5sum < "$root/var/tmp/tabvm-bench/big.s" | cut -c1-12; }
        time_run native check in_root "${compile[@]}"; record "$w" native
        time_run qemu-i386 check in_qemu "${compile[@]}"; record "$w" qemu-i386
        tabvm_rows "$w" check in_tabvm "${compile[@]}"
        native_sum=${rows[-3]##*|}
        browser_run "mkdir -p /var/tmp/tabvm-bench && cd /var/tmp/tabvm-bench && python3 /usr/local/share/tabvm-bench/gen-c.py big.c && gcc -E -o big.i big.c" \
            "$cc1 -quiet -O2 big.i -o big.s && md5sum < big.s | cut -c1-12"
        [ -z "$best" ] || record "$w" chromium
        ;;
    primes | fasta | nbody)
        # Static C programs of workloads/, like `int`.
        gcc -m32 -static -O2 -o "$out/bench-$w" "$here/workloads/$w.c" -lm
        time_run native digest "$out/bench-$w"; record "$w" native
        time_run qemu-i386 digest qemu-i386 "$out/bench-$w"; record "$w" qemu-i386
        tabvm_rows "$w" digest "$tabvm" run --root / -- "$out/bench-$w"
        ;;
    binarytrees)
        debian_root
        cp "$here/workloads/binarytrees.py" "$root/var/tmp/tabvm-bench/"
        time_run native digest in_root python3 binarytrees.py; record "$w" native
        time_run qemu-i386 digest in_qemu /usr/bin/python3 binarytrees.py; record "$w" qemu-i386
        tabvm_rows "$w" digest in_tabvm /usr/bin/python3 binarytrees.py
        ;;
    gzip | xz)
        # Debian's compressors on generated text; the output's digest must
        # agree. Each engine runs the compressor itself (no shell inside).
        debian_root
        size=$([ "$w" = gzip ] && echo 8000000 || echo 800000)
        python3 "$here/workloads/gen-text.py" "$size" "$root/var/tmp/tabvm-bench/$w.txt"
        compress=("/usr/bin/$w" -c "$w.txt")
        [ "$w" = gzip ] && compress+=(-9) || compress+=(-6 -T1)
        time_run native digest in_root "${compress[@]}"; record "$w" native
        time_run qemu-i386 digest in_qemu "${compress[@]}"; record "$w" qemu-i386
        tabvm_rows "$w" digest in_tabvm "${compress[@]}"
        ;;
    *)
        echo "unknown workload $w (int, python-fib, gcc-compile, primes, fasta, nbody, binarytrees, gzip, xz)" >&2
        exit 2
        ;;
    esac
done

printf '\n%-12s %-12s %9s %9s  %s\n' workload engine seconds "x native" result
native_time=
native_sum=
ratios=()
for r in "${rows[@]}"; do
    IFS='|' read -r w e t s <<<"$r"
    if [ "$e" = native ]; then native_time=$t; native_sum=$s; fi
    ratio=$(awk -v t="$t" -v n="$native_time" 'BEGIN { printf "%.1f", t / n }')
    printf '%-12s %-12s %9s %9s  %s\n' "$w" "$e" "$t" "$ratio" "$s"
    if [ "$s" != "$native_sum" ]; then
        echo "error: $w under $e computed a different result than native" >&2
        status=1
    fi
    ratios+=("$e $ratio")
done
# The geometric mean of each engine's ratios over the workloads it ran.
if [ ${#workloads[@]} -gt 1 ]; then
    printf '%s\n' "${ratios[@]}" | awk '
        $1 != "native" { logsum[$1] += log($2); n[$1]++ }
        END { for (e in n) printf "geomean      %-12s %9s %9.1f  (%d workloads)\n", e, "", exp(logsum[e] / n[e]), n[e] }'
fi
echo
printf '%s\n' "${compile_shares[@]}" | awk '
    { printf "jit compile %-12s %6d ms  %5.1f%% of the tabvm time\n", $1, $2, $2 / 10 / $3 }'
exit $status
