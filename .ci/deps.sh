# .ci/deps.sh — the Debian packages Kestrel needs, and a function that
# installs the missing ones. Sourced by run.sh and test.sh (not run alone).
#
# k_install_missing PKG...   installs the packages that dpkg does not list as
#                            installed; runs `apt-get update` once, and only
#                            when something is missing. Needs root (or sudo).

# Build: compiler, CMake, the lemon/re2c generators. Libraries: libuv (event
# loops), zstd, OpenSSL (SCRAM, md5), libpq + libedit (the shell), cmocka
# (unit tests). psql for the end-to-end and manual checks. OpenMP comes
# with gcc (libgomp); ASan/UBSan with gcc's libasan/libubsan.
KESTREL_PACKAGES=(
    build-essential cmake gcc g++ make pkg-config lemon re2c
    libuv1-dev libzstd-dev zstd libssl-dev libpq-dev libedit-dev libcmocka-dev
    postgresql-client python3 ca-certificates
)
# A clang build (CC=clang) also needs its sanitizer runtime and OpenMP.
if [ "${CC:-}" = clang ] || [ "${CC:-}" = clang-14 ]; then
    KESTREL_PACKAGES+=(clang libclang-rt-14-dev libomp-14-dev)
fi

k_install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "missing packages: ${missing[*]}; run as root to install them" >&2
            return 1
        fi
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local log
    log=$(mktemp)
    if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
        ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >>"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

# Remove a build directory whose CMake cache was made from another source
# tree (a moved checkout), which CMake would otherwise refuse to reuse.
k_reset_foreign_build() {
    local dir=$1 src=$2 home
    [ -f "$dir/CMakeCache.txt" ] || return 0
    home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
    if [ -n "$home" ] && [ "$(cd "$home" 2>/dev/null && pwd -P)" != "$(cd "$src" && pwd -P)" ]; then
        echo "removing $dir (configured for $home)"
        rm -rf "$dir"
    fi
}
