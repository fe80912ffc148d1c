#!/usr/bin/env bash
# Installs the Debian packages Borealis needs to build and test. Idempotent: it runs
# apt-get update and install only when a package is missing.
# `deps.sh bench` installs what the comparison benchmarks need instead (Slurm's daemons,
# for bench/executor_overhead.py), so the default list stays lean.
set -euo pipefail
PKGS=(
  g++ cmake ninja-build ccache pkg-config make python3
  libabsl-dev libboost-dev libboost-system-dev
  libthrift-dev thrift-compiler libsqlite3-dev
  python3-thrift  # the API test's Python client (tests/api)
  nlohmann-json3-dev libcli11-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpython3.11-dev libjemalloc-dev
  curl procps tzdata  # tzdata: the scheduler's --cron-timezone zones
  clang  # only for make check-threads (its thread-safety analysis); the build uses g++
)
BENCH_PKGS=(slurmctld slurmd slurm-client python3 procps)
if [ "${1:-}" = "bench" ]; then
  PKGS=("${BENCH_PKGS[@]}")
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
