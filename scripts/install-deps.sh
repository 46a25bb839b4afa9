#!/usr/bin/env bash
# Installs the Debian packages Celerity builds and tests against, if any is missing.
# Swift itself must already be on PATH (a Swift 6 toolchain).
set -euo pipefail

packages=(libhiredis-dev libpq-dev libcurl4-openssl-dev pkg-config redis-server redis-tools redis-sentinel iproute2 postgresql
    python3-venv curl openssl prometheus prometheus-alertmanager docker-compose chromium systemd)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts a system redis-server on 6379 when the package is installed; Celerity never needs it.
command -v swift >/dev/null || { echo "swift is not on PATH: install a Swift 6 toolchain first" >&2; exit 1; }
