#!/usr/bin/env bash
# ctest: scripts/pebble-up.sh starts a working Pebble and scripts/pebble-down.sh stops it by PID.
#   tests/scripts/pebble_up_down_test.sh REPO_ROOT
set -euo pipefail

repo=${1:?usage: $0 REPO_ROOT}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mailcert-pebble-up-test-XXXXXX")
cleanup() {
  "$repo/scripts/pebble-down.sh" "$dir" >/dev/null 2>&1 || true
  if [[ ${MAILCERT_KEEP_TEST_DIRS:-} != 1 ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# shellcheck source=tests/scripts/test_lib.sh
source "$(dirname "$0")/test_lib.sh"
base=$(free_port_base 0 1 2 3 4 5)

"$repo/scripts/pebble-up.sh" "$dir" "$base"

# shellcheck source=/dev/null
source "$dir/env"
[[ $DIRECTORY_URL == "https://127.0.0.1:$base/dir" ]] || fail "DIRECTORY_URL is $DIRECTORY_URL"
[[ $HTTP_PORT == $((base + 2)) ]] || fail "HTTP_PORT is $HTTP_PORT"
curl -sSf --cacert "$CA_BUNDLE" "$DIRECTORY_URL" | grep -q '"newOrder"' || fail "no directory"
grep -q 'BEGIN CERTIFICATE' "$ROOT_PEM" || fail "root.pem has no certificate"
cmp -s "$ROOT_PEM" <(curl -sSf --cacert "$CA_BUNDLE" "$MGMT_URL/roots/0") || fail "root differs"
curl -sSf -X POST -d '{"host":"x.example.test.","addresses":["127.0.0.2"]}' \
  "$CHALLTESTSRV_URL/add-a" >/dev/null || fail "challtestsrv management API"

# A second start in the same DIR must refuse rather than orphan the running servers.
if "$repo/scripts/pebble-up.sh" "$dir" "$base" 2>/dev/null; then fail "second pebble-up succeeded"; fi

pebble_pid=$(cat "$dir/pebble.pid")
cts_pid=$(cat "$dir/challtestsrv.pid")
"$repo/scripts/pebble-down.sh" "$dir"
for pid in "$pebble_pid" "$cts_pid"; do
  if kill -0 "$pid" 2>/dev/null; then fail "pid $pid still running after pebble-down"; fi
done
if port_in_use "$base"; then fail "port $base still open after pebble-down"; fi
"$repo/scripts/pebble-down.sh" "$dir"  # idempotent
echo "pebble-up/pebble-down: 1 passed, 0 failed"
