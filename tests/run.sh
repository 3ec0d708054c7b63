#!/usr/bin/env bash
# The test command: installs dependencies, configures, builds (-j2) and runs every test,
# with warnings as errors (FERRY_WERROR=OFF relaxes that), then, with
# FERRY_RUN_SANITIZERS=1, the whole unit suite again under ASan+UBSan (tests/sanitize.sh),
# then tests/fuzz/run.sh (FERRY_RUN_FUZZ=0 skips it): the pure unit tests (parsers, codecs,
# configs, checkpoint, the Kafka protocol; 201 tests) under ASan+UBSan and the fuzz targets for
# FERRY_FUZZ_SECONDS each, from one small clang build of a few minutes.
# Exits non-zero on any failure. The whole-suite sanitizer pass is opt-in because of its
# build, not its run: the five unit binaries run in about a minute under ASan+UBSan, but
# they need a second build of every library at -O2 -g with instrumentation, 270-odd
# translation units at 16-24 CPU-seconds each on average, over half an hour on 2 cores
# with a cold ccache.
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
