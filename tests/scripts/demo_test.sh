#!/usr/bin/env bash
# ctest: the README's first command minus the install step. scripts/demo.sh issues from a private
# Pebble, deploys into a local Postfix, Dovecot and nginx and checks every port; this test runs it
# with the mailcert the suite just built and asserts what a newcomer would look for: exit 0, the
# chain verified by openssl, every port OK with served = deployed = stored, and nothing left
# running or listening afterwards.
#   tests/scripts/demo_test.sh REPO_ROOT MAILCERT_BINARY        (as root, like the mail fixtures)
set -euo pipefail

repo=${1:?usage: $0 REPO_ROOT MAILCERT_BINARY}
mailcert=${2:?usage: $0 REPO_ROOT MAILCERT_BINARY}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mailcert-demo-test-XXXXXX")
cleanup() {
  if [[ ${MAILCERT_KEEP_TEST_DIRS:-} != 1 ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# shellcheck source=tests/scripts/test_lib.sh
source "$(dirname "$0")/test_lib.sh"
# Six ports from the base for Pebble, nine from base+100 for the mail servers.
demo_offsets=(0 1 2 3 4 5 100 101 102 103 104 105 106 107 108)
base=$(free_port_base "${demo_offsets[@]}")

log=$dir/demo.log
if ! DEMO_DIR=$dir/demo DEMO_PORT_BASE=$base MAILCERT_BIN=$mailcert \
     "$repo/scripts/demo.sh" >"$log" 2>&1; then
  cat "$log" >&2
  fail "scripts/demo.sh exited with an error"
fi

# The issued chain verified against Pebble's root.
grep -q '/cert.pem: OK$' "$log" || { cat "$log" >&2; fail "openssl did not verify the chain"; }
# The check table: a summary line, then one row per endpoint and name, all OK.
grep -q '^MAILCERT OK - ' "$log" || { cat "$log" >&2; fail "no 'MAILCERT OK' summary"; }
ok_rows=$(grep -c '^OK ' "$log" || true)
bad_rows=$(grep -cE '^(WARNING|CRITICAL|UNKNOWN) ' "$log" || true)
# Nine ports, each probed by SNI for the three names of the demo's certificate.
[[ $ok_rows -eq 27 && $bad_rows -eq 0 ]] ||
  { cat "$log" >&2; fail "expected 27 OK rows and no other, got $ok_rows OK and $bad_rows not"; }
# On every OK row the served, deployed and stored fingerprints are the same.
while read -r _state _service _endpoint _sni _name served deployed stored _rest; do
  [[ $served == "$deployed" && $deployed == "$stored" ]] ||
    fail "served $served, deployed $deployed, stored $stored differ"
done < <(grep '^OK ' "$log")

# Nothing of the demo's is left running: every port it used is closed again.
for offset in "${demo_offsets[@]}"; do
  if port_in_use $((base + offset)); then fail "port $((base + offset)) still open after the demo"; fi
done
echo "demo: 1 passed, 0 failed"
