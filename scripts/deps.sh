#!/usr/bin/env bash
# Installs the Debian 12 packages vigil needs to build, test and demo.
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

BUILD_PKGS=(build-essential cmake pkg-config clang clang-format libclang-rt-14-dev git
    libhyperscan-dev libarchive-dev libssl-dev libjansson-dev libcmocka-dev
    libxxhash-dev zlib1g-dev libmspack-dev libsodium-dev liblzma-dev
    libmicrohttpd-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev)
TEST_PKGS=(clamav clamav-daemon clamdscan clamav-testfiles python3 zip unzip libarchive-tools
    xz-utils bzip2 zstd lz4 gzip cpio p7zip-full postgresql curl python3-cryptography)

want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--test" ] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
