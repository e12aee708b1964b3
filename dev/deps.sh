# Sourced by dev/test and dev/start: installs what building and testing need.
# Downloads are cached under $HOME/.cache/tabvm, keyed by version, so a fresh
# clone on the same machine reuses them.

TABVM_CACHE="${TABVM_CACHE:-$HOME/.cache/tabvm}"
WASM_BINDGEN_VERSION=0.2.130
DEBIAN_PACKAGES=(gcc-multilib qemu-user busybox-static:i386 chromium binaryen tmux)

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages; i386 multiarch for busybox-static:i386.
ensure_debian_packages() {
    local missing=()
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "dev: installing Debian packages: ${missing[*]}"
    dpkg --print-foreign-architectures | grep -qx i386 || as_root dpkg --add-architecture i386
    # A mirror caught mid-sync fails one index; the install can still succeed.
    as_root apt-get update -q || echo "dev: apt-get update reported errors; trying the install anyway"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_rust_targets() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || rustup target add wasm32-unknown-unknown
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
