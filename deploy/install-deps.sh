#!/usr/bin/env bash
# Installs every Debian 12 package that Ferry's build, tests and quickstart need.
# Idempotent: runs apt-get update/install only when something is missing.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config ccache
  libboost-system-dev libboost-program-options-dev libboost-dev
  libssl-dev openssl libzstd-dev zstd zlib1g-dev gzip
  librocksdb-dev
  libzookeeper-mt-dev zookeeper
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 curl procps iproute2 iperf3
  tzdata
  kcat librdkafka-dev python3-confluent-kafka jq
  dpkg-dev lintian systemd prometheus
)
if [[ "${FERRY_WITH_BROWSER:-1}" == 1 ]]; then
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
