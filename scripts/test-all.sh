#!/usr/bin/env bash
# The README's test command, and all that .ci/run does: install what is missing,
# build, run every test (unit + integration against real MariaDB servers that the
# tests start and stop themselves), then the unit tests again under ASan+UBSan.
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

echo "== all tests passed in $(( $(date +%s) - start )) s"
