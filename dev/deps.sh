# Sourced by dev/test and dev/start: installs what building and testing need.
# Downloads are cached under $HOME/.cache/tabvm, keyed by version, so a fresh
# clone on the same machine reuses them.

TABVM_CACHE="${TABVM_CACHE:-$HOME/.cache/tabvm}"
# The wasm-bindgen CLI must equal the crate version pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../Cargo.toml")
# gcc-multilib builds i386 test programs, qemu-user is a benchmark baseline,
# chromium runs the browser tests, debootstrap builds the Debian i386 root
# (dev/debian-root.sh), tmux drives the interactive tests, e2fsprogs makes and
# checks ext2 images. busybox-static:i386 is downloaded, not installed
# (dev/busybox.sh), which needs the i386 architecture enabled.
DEBIAN_PACKAGES=(gcc-multilib qemu-user chromium debootstrap tmux e2fsprogs)

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_debian_packages() {
    local missing=() update=0
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        as_root dpkg --add-architecture i386
        update=1
    fi
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && [ $update = 0 ] && return
    # A mirror caught mid-sync fails one index; the install can still succeed.
    as_root apt-get update -q || echo "dev: apt-get update reported errors; going on"
    [ ${#missing[@]} -eq 0 ] && return
    echo "dev: installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_rust_targets() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || rustup target add wasm32-unknown-unknown
    rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
}

# wasm-bindgen's CLI must match the crate version exactly; building it takes
# minutes, so it lives in the cache.
ensure_wasm_bindgen() {
    local dir="$TABVM_CACHE/wasm-bindgen-$WASM_BINDGEN_VERSION"
    if [ ! -x "$dir/bin/wasm-bindgen" ]; then
        echo "dev: building wasm-bindgen-cli $WASM_BINDGEN_VERSION (once, ~7 minutes)"
        cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$dir"
    fi
    export PATH="$dir/bin:$PATH"
}
