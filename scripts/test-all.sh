#!/usr/bin/env bash
# The README's test command, and all that .ci/run does: install what is missing,
# build, run every test (unit + integration against real MariaDB servers that the
# tests start and stop themselves), then the unit tests again under ASan+UBSan, the apply
# scheduler and Both() under TSan, and 60 s of libFuzzer on the decoder.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
jobs=$(nproc)

echo "== dependencies"
scripts/install-deps.sh

echo "== release build"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

echo "== tests (unit + integration)"
ctest --preset release -j 1 --timeout 600

echo "== ASan+UBSan build"
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan -j "$jobs"

echo "== unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan-ubsan -j "$jobs" --timeout 600

echo "== apply scheduler and Both() under ThreadSanitizer (ordering and conflict invariants, randomized)"
cmake --preset tsan >/dev/null
cmake --build build-tsan --target scheduler_test util_test -j "$jobs"
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/core/replicate/scheduler_test | tail -n 3
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/util_test --gtest_filter='BothTest.*' | tail -n 1

echo "== decoder fuzzing (libFuzzer, Clang, ASan+UBSan): 60 s from the fixture binlogs' events"
# A crash or sanitizer report exits non-zero and fails the run; the input is kept in
# build-fuzz/ (crash-*) to reproduce it.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBINSYNC_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target binlog_fuzz_decode -j "$jobs"
seeds=$(mktemp -d) corpus=$(mktemp -d)
if [[ -d ../shared/fixtures/binlogs ]]; then
  tests/core/binlog/fuzz_seeds.sh "$seeds"
  # The corpus must hold the fixtures' events (after the folder move the script once looked
  # one directory too high and fuzzed from its 3 built-in seeds, silently).
  n=$(find "$seeds" -name 'fixture-*' | wc -l)
  (( n >= 10 )) || { echo "fuzz seeds: only $n fixture events in the corpus" >&2; exit 1; }
else
  echo "../shared/fixtures/binlogs absent: fuzzing from the built-in seeds only"
  tests/core/binlog/fuzz_seeds.sh "$seeds" 2>/dev/null || true
fi
(cd build-fuzz && tests/core/binlog/binlog_fuzz_decode -max_total_time=60 -max_len=70000 \
  -rss_limit_mb=2048 -print_final_stats=1 "$corpus" "$seeds" 2>&1 | tail -n 12)
rm -rf "$seeds" "$corpus"

echo "== all tests passed in $(( $(date +%s) - start )) s"
