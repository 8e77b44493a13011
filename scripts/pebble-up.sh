#!/usr/bin/env bash
# Starts a private Pebble ACME server for the demo and the benchmarks (tests use the C++ fixture
# tests/fixtures/pebble.h instead, which picks free ports itself).
#
#   scripts/pebble-up.sh DIR [PORT_BASE]      (PORT_BASE defaults to 14000)
#
# Ports: PORT_BASE ACME directory, +1 management (roots), +2 http-01 (the client under test listens
# there), +3 tls-alpn-01, +4 challtestsrv DNS, +5 challtestsrv management API.
# DIR receives: a throw-away CA (ca.pem signs Pebble's HTTPS certificate; Debian's pebble ships
# none), pebble-config.json, pebble.{pid,log}, challtestsrv.{pid,log}, root.pem (Pebble's root,
# new on every start) and env, a file of KEY=value lines:
#   DIRECTORY_URL CA_BUNDLE HTTP_PORT TLS_PORT MGMT_URL CHALLTESTSRV_URL ROOT_PEM
# Environment overrides (defaults suit benchmarks: no sleeps, no injected faults):
#   PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 PEBBLE_ALTERNATE_ROOTS=0
#   PEBBLE_CHAIN_LENGTH=1 PEBBLE_EAB_KID/PEBBLE_EAB_KEY (require EAB with that one key)
#   PEBBLE_VALIDITY_SECONDS (certificate lifetime; empty: Pebble's default of 5 years)
# Stop it with scripts/pebble-down.sh DIR.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
source "$script_dir/lib.sh"
parse_dir_and_port_base 14000 "$@"
for program in pebble pebble-challtestsrv openssl curl; do
  command -v "$program" >/dev/null ||
    fail "$program not found: install it with scripts/install-deps.sh"
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)  # absolute: the servers run with DIR as working directory
require_not_running "$dir" \
  "a Pebble started from $dir is still running; run scripts/pebble-down.sh $dir" pebble

acme_port=$base
mgmt_port=$((base + 1))
http_port=$((base + 2))
tls_port=$((base + 3))
dns_port=$((base + 4))
cts_port=$((base + 5))

# Fail early with a clear message instead of a Go "address already in use" in a log.
require_free_ports "pick another PORT_BASE" \
  "$acme_port" "$mgmt_port" "$http_port" "$tls_port" "$dns_port" "$cts_port"

# A throw-away CA for Pebble's HTTPS listener, valid a week; clients trust it via CA_BUNDLE.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" -days 7 -subj "/CN=mailcert throw-away test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$dir/key.pem" -out "$dir/server.csr" -subj /CN=localhost 2>/dev/null
cat >"$dir/server-ext.cnf" <<'EOF'
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:::1
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EOF
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
  -CAcreateserial -days 7 -out "$dir/cert.pem" -extfile "$dir/server-ext.cnf" 2>/dev/null

eab_config='"externalAccountBindingRequired": false'
if [[ -n "${PEBBLE_EAB_KID:-}" ]]; then
  eab_config="\"externalAccountBindingRequired\": true,
    \"externalAccountMACKeys\": {\"${PEBBLE_EAB_KID}\": \"${PEBBLE_EAB_KEY:?PEBBLE_EAB_KEY must go with PEBBLE_EAB_KID}\"}"
fi
validity_config=""
if [[ -n "${PEBBLE_VALIDITY_SECONDS:-}" ]]; then
  validity_config=",
    \"certificateValidityPeriod\": ${PEBBLE_VALIDITY_SECONDS}"
fi
cat >"$dir/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$acme_port",
    "managementListenAddress": "127.0.0.1:$mgmt_port",
    "certificate": "cert.pem",
    "privateKey": "key.pem",
    "httpPort": $http_port,
    "tlsPort": $tls_port,
    "ocspResponderURL": "",
    $eab_config,
    "domainBlocklist": ["blocked.example.test"]$validity_config
  }
}
EOF

# setsid: the servers outlive this script and ignore the terminal's Ctrl-C; pebble-down stops
# them by PID. (Without job control `setsid` execs in place, so $! is the server's own PID.)
cd "$dir"
: >challtestsrv.log
setsid pebble-challtestsrv -defaultIPv6 "" -http01 "" -https01 "" -tlsalpn01 "" \
  -dns01 "127.0.0.1:$dns_port" -management "127.0.0.1:$cts_port" \
  </dev/null >>challtestsrv.log 2>&1 &
echo $! >challtestsrv.pid
: >pebble.log
PEBBLE_VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-1} \
PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} \
PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0} \
PEBBLE_ALTERNATE_ROOTS=${PEBBLE_ALTERNATE_ROOTS:-0} \
PEBBLE_CHAIN_LENGTH=${PEBBLE_CHAIN_LENGTH:-1} \
  setsid pebble -config pebble-config.json -strict -dnsserver "127.0.0.1:$dns_port" \
  </dev/null >>pebble.log 2>&1 &
echo $! >pebble.pid

# Ready means: the directory answers over HTTPS and challtestsrv takes management calls.
ready=false
for _ in $(seq 1 300); do  # 300 x 0.05 s = 15 s
  if curl -sf --max-time 2 --cacert ca.pem "https://127.0.0.1:$acme_port/dir" >/dev/null &&
    port_in_use "$cts_port"; then
    ready=true
    break
  fi
  for name in pebble challtestsrv; do
    if ! kill -0 "$(cat "$name.pid")" 2>/dev/null; then
      echo "pebble-up: $name exited; $dir/$name.log ends:" >&2
      tail -n 20 "$name.log" >&2
      "$script_dir/pebble-down.sh" "$dir" >/dev/null 2>&1 || true
      exit 1
    fi
  done
  sleep 0.05
done
if [[ $ready != true ]]; then
  echo "pebble-up: Pebble did not answer on https://127.0.0.1:$acme_port/dir within 15 s" >&2
  tail -n 20 pebble.log >&2
  exit 1
fi

curl -sSf --max-time 10 --cacert ca.pem "https://127.0.0.1:$mgmt_port/roots/0" >root.pem
cat >env <<EOF
DIRECTORY_URL=https://127.0.0.1:$acme_port/dir
CA_BUNDLE=$dir/ca.pem
HTTP_PORT=$http_port
TLS_PORT=$tls_port
MGMT_URL=https://127.0.0.1:$mgmt_port
CHALLTESTSRV_URL=http://127.0.0.1:$cts_port
ROOT_PEM=$dir/root.pem
EOF
echo "pebble-up: Pebble ready at https://127.0.0.1:$acme_port/dir (settings in $dir/env)"
