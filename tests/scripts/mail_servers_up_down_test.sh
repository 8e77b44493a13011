#!/usr/bin/env bash
# ctest: scripts/mail-servers-up.sh starts Postfix, Dovecot and nginx serving TLS on all nine
# ports, and scripts/mail-servers-down.sh stops every process of theirs by PID.
#   tests/scripts/mail_servers_up_down_test.sh REPO_ROOT        (as root, like the C++ fixtures)
set -euo pipefail

repo=${1:?usage: $0 REPO_ROOT}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mailcert-mail-servers-test-XXXXXX")
cleanup() {
  "$repo/scripts/mail-servers-down.sh" "$dir" >/dev/null 2>&1 || true
  if [[ ${MAILCERT_KEEP_TEST_DIRS:-} != 1 ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# shellcheck source=tests/scripts/test_lib.sh
source "$(dirname "$0")/test_lib.sh"
# Alive and not a zombie (a zombie holds no port; whoever adopted it reaps it).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $(awk '{print $1}' <<<"${stat##*) }") != Z ]]
}
base=$(free_port_base 0 1 2 3 4 5 6 7 8)

MAILCERT_LINEAGE=mx.example.test "$repo/scripts/mail-servers-up.sh" "$dir" "$base"

# shellcheck source=/dev/null
source "$dir/env"
[[ $SMTP_PORT == "$base" && $HTTPS_PORT == $((base + 8)) ]] || fail "ports in env: $(cat "$dir/env")"
[[ $LINEAGE == mx.example.test ]] || fail "LINEAGE is $LINEAGE"
for file in postfix/mx.example.test.ec256.pem dovecot/mx.example.test.ec256.crt \
  dovecot/mx.example.test.ec256.key nginx/mx.example.test.ec256.crt nginx/mx.example.test.ec256.key; do
  [[ -s $dir/$file ]] || fail "no bootstrap file $dir/$file"
done
[[ $(stat -c %a "$dir/postfix/mx.example.test.ec256.pem") == 600 ]] || fail "postfix chain file not 0600"
grep -q "BEGIN PRIVATE KEY" "$dir/postfix/mx.example.test.ec256.pem" || fail "no key in the chain file"
for table in postfix dovecot nginx; do
  grep -q "^type = \"$table\"" "$DEPLOY_CONFIG" || fail "no [[deploy]] $table in $DEPLOY_CONFIG"
done
grep -q '"submission://127.0.0.1:'"$SUBMISSION_PORT"'"' "$DEPLOY_CONFIG" || fail "no submission endpoint"
grep -q 'ca_bundle = "@CA_BUNDLE@"' "$DEPLOY_CONFIG" || fail "no ca_bundle placeholder"

# Every port completes a TLS handshake (STARTTLS where the protocol has it) and serves the
# bootstrap certificate.
served() {  # port [s_client options...]
  local port=$1
  shift
  timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername mx.example.test "$@" \
    </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null
}
checks=("$SMTP_PORT -starttls smtp" "$SUBMISSION_PORT -starttls smtp" "$SMTPS_PORT"
  "$IMAP_PORT -starttls imap" "$IMAPS_PORT" "$POP3_PORT -starttls pop3" "$POP3S_PORT"
  "$SIEVE_PORT -starttls sieve" "$HTTPS_PORT")
for check in "${checks[@]}"; do
  # shellcheck disable=SC2086  # "PORT OPTIONS" splits into arguments on purpose
  subject=$(served $check) || true
  [[ $subject == *"mx.example.test (bootstrap)"* ]] || fail "port ${check}: no TLS with the bootstrap certificate (got '$subject')"
done

# A second start in the same DIR must refuse rather than orphan the running servers.
if "$repo/scripts/mail-servers-up.sh" "$dir" "$base" 2>/dev/null; then fail "second mail-servers-up succeeded"; fi

# Every process the three masters started, to check none survives the stop.
pids=()
for name in postfix dovecot nginx; do
  master=$(cat "$dir/$name.pid")
  running "$master" || fail "$name (pid $master) is not running"
  pids+=("$master")
  for stat in /proc/[0-9]*/stat; do
    line=$(cat "$stat" 2>/dev/null) || continue
    if [[ $(awk '{print $2}' <<<"${line##*) }") == "$master" ]]; then
      pid=${stat#/proc/} && pids+=("${pid%/stat}")
    fi
  done
done
[[ ${#pids[@]} -gt 6 ]] || fail "expected the masters' children too, found only pids ${pids[*]}"

"$repo/scripts/mail-servers-down.sh" "$dir"
for pid in "${pids[@]}"; do
  if running "$pid"; then fail "pid $pid ($(cat "/proc/$pid/comm")) still running after mail-servers-down"; fi
done
for offset in 0 1 2 3 4 5 6 7 8; do
  if port_in_use $((base + offset)); then fail "port $((base + offset)) still open after mail-servers-down"; fi
done
"$repo/scripts/mail-servers-down.sh" "$dir"  # idempotent
echo "mail-servers-up/mail-servers-down: 1 passed, 0 failed"
