#!/usr/bin/env bash
# Installs the Debian packages optsched needs, only those missing.
# Usage: scripts/install-deps.sh [--python]   (--python also installs numpy/scipy/torch
# for the Python tests and benchmarks, which call /usr/bin/python3 explicitly).
set -euo pipefail
pkgs=(build-essential pkg-config libopenblas-dev librandom123-dev libnlopt-dev libcjson-dev gnuplot-nox)
if [ "${1:-}" = "--python" ]; then
  pkgs+=(python3-numpy python3-scipy python3-torch)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
