#!/usr/bin/env bash
# Installs everything binsync needs to build, test and benchmark on Debian 12.
# Idempotent: packages already present are left alone. Run as root.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the benchmark yardsticks
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libmariadb-dev                       # client library + mariadb_rpl transport
  libboost-dev                         # Asio, Beast (header-only)
  libxxhash-dev libzstd-dev zlib1g-dev libdeflate-dev # hashing, compressed payloads, CRC32
  libabsl-dev                          # Status/StatusOr, containers, synchronization
  libssl-dev                           # libcrypto: SHA1 of mysql_native_password (relay)
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
)
test_pkgs=(mariadb-server mariadb-client procps percona-toolkit  # pt-table-checksum: verify agreement test
  clang libclang-rt-14-dev                                        # the decoder's libFuzzer run
  chromium)                                                       # lagbench's HTML report, rendered headless
bench_pkgs=(sysbench mydumper hyperfine)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing ${missing[*]}; run as root (apt-get needs it)" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Do not let the mariadb-server package start a system-wide server: tests start their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
