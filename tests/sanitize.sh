#!/usr/bin/env bash
# Builds the unit tests with FERRY_SANITIZE (default address,undefined) in build-sanitize/
# and runs them, each binary bounded by FERRY_SANITIZE_TIMEOUT seconds (default 300). A
# sanitizer report fails the test that tripped it (-fno-sanitize-recover). Prints how long
# the build and each binary took. Usage:
#   tests/sanitize.sh                       ASan + UBSan
#   FERRY_SANITIZE=thread tests/sanitize.sh TSan (build-sanitize-thread/)
#   tests/sanitize.sh unit_common_tests     only the binaries named
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitize=${FERRY_SANITIZE:-address,undefined}
default_build=$root/build-sanitize
[[ $sanitize == address,undefined ]] || default_build+=-${sanitize//,/-}
build=${FERRY_SANITIZE_BUILD_DIR:-$default_build}
timeout_s=${FERRY_SANITIZE_TIMEOUT:-300}

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_SANITIZE="$sanitize" \
  "${launcher[@]}" >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cmake --build "$build" --target help | sed -n 's/^\(unit_[a-z]*_tests\):.*/\1/p')
fi
started=$SECONDS
cmake --build "$build" -j2 --target "${targets[@]}"
echo "sanitize ($sanitize): build took $((SECONDS - started)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
failed=()
for t in "${targets[@]}"; do
  started=$SECONDS
  if ! timeout "$timeout_s" "$build/bin/$t" --gtest_brief=1 >"$build/$t.log" 2>&1; then
    echo "sanitize ($sanitize): $t FAILED after $((SECONDS - started)) s (log $build/$t.log)"
    tail -40 "$build/$t.log"
    failed+=("$t")
  else
    echo "sanitize ($sanitize): $t passed in $((SECONDS - started)) s"
  fi
done
if ((${#failed[@]})); then echo "sanitize: failed: ${failed[*]}"; exit 1; fi
echo "sanitize ($sanitize): all ${#targets[@]} unit test binaries passed"
