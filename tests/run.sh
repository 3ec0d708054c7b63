#!/usr/bin/env bash
# The test command: installs dependencies, configures, builds (-j2) and runs every test,
# with warnings as errors (FERRY_WERROR=OFF relaxes that), then, with
# FERRY_RUN_SANITIZERS=1, the unit tests again under ASan+UBSan (tests/sanitize.sh: a second
# build of the libraries and unit tests), then the fuzz targets for FERRY_FUZZ_SECONDS each
# (tests/fuzz/run.sh; FERRY_RUN_FUZZ=0 skips them). Exits non-zero on any failure.
# Usage: tests/run.sh [extra ctest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FERRY_BUILD_DIR:-$root/build}

bash "$root/deploy/install-deps.sh"

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR="${FERRY_WERROR:-ON}" "${launcher[@]}"
cmake --build "$build" -j2

(cd "$build" && ctest -j2 --output-on-failure --timeout 600 "$@")

if [[ "${FERRY_RUN_SANITIZERS:-0}" != 0 ]]; then
  bash "$root/tests/sanitize.sh"
fi

if [[ "${FERRY_RUN_FUZZ:-1}" != 0 ]]; then
  bash "$root/tests/fuzz/run.sh"
fi
