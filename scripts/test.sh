#!/usr/bin/env bash
# Builds mailcert with warnings as errors and runs every test (unit and integration) with ctest.
# The README and CI (.ci/run) run exactly this. Integration tests start their own Pebble on free
# loopback ports, so `ctest -j` is safe. Extra arguments go to ctest (e.g. -L unit, -R Pebble).
#
#   scripts/test.sh [CTEST_ARGS...]        (BUILD_DIR defaults to build-tests)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
build_dir=${BUILD_DIR:-build-tests}

cmake -S . -B "$build_dir" -DMAILCERT_WERROR=ON
cmake --build "$build_dir" -j"$(nproc)"
# --no-tests=error: a build that registers no test must not pass as green.
# --timeout: one hung test must not eat the whole CI budget.
ctest --test-dir "$build_dir" --output-on-failure -j2 --no-tests=error --timeout 600 "$@"
