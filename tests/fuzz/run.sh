#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/, clang, -fsanitize=fuzzer,address,undefined)
# and runs each for FERRY_FUZZ_SECONDS (default 60) from its checked-in seed corpus.
# Fails if a target crashes, leaks or trips a sanitizer; the crashing input is kept in
# build-fuzz/findings/<target>/ (add it to the corpus once the bug is fixed).
# Without arguments it first runs sanitized_unit_tests: the pure unit tests (parsers,
# codecs, configs, the agent's checkpoint) built the same way with ASan+UBSan.
# Usage: tests/fuzz/run.sh [target...]     (default: the unit tests, then all six)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FERRY_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FERRY_FUZZ_SECONDS:-60}
targets=("$@")
unit_tests=()
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(frame_decoder_fuzz batch_decode_fuzz syslog_time_fuzz config_fuzz gzip_stream_fuzz kafka_request_fuzz)
  unit_tests=(sanitized_unit_tests)
fi

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CXX=${FERRY_FUZZ_CXX:-clang++} cmake -S "$root" -B "$build" -G Ninja -DFERRY_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}" "${unit_tests[@]}"

for t in "${unit_tests[@]}"; do
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      timeout 300 "$build/bin/$t" --gtest_brief=1 >"$build/$t.log" 2>&1; then
    echo "sanitize: $t FAILED (log $build/$t.log)"
    tail -40 "$build/$t.log"
    exit 1
  fi
  echo "sanitize: $t passed under ASan+UBSan ($(grep -o '[0-9]* tests from' "$build/$t.log" | tail -1 | cut -d' ' -f1) tests)"
done

failed=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t"       # the seeds plus what this run finds; the checked-in set stays small
  findings="$build/findings/$t"
  mkdir -p "$work" "$findings"
  echo "fuzz: $t for ${seconds}s"
  if ! "$build/bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "$root/tests/fuzz/corpus/$t" >"$build/$t.log" 2>&1; then
    echo "fuzz: $t FAILED (log $build/$t.log, input in $findings/)"
    tail -40 "$build/$t.log"
    failed+=("$t")
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov:" "$build/$t.log" | tail -3
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a finding"
