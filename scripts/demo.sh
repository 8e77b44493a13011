#!/usr/bin/env bash
# The newcomer's first run: builds mailcert, starts a private Pebble ACME server, issues one
# certificate for a mail server's three usual names over http-01, lists it and verifies its
# chain with openssl against Pebble's root. Leaves nothing running (trap), keeps the state in
# .demo/ (gitignored) to look at afterwards.
#
#   scripts/install-deps.sh && scripts/demo.sh
# Environment: BUILD_DIR (default build), DEMO_PORT_BASE (default 14000; six ports from there).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
build_dir=${BUILD_DIR:-build}
demo_dir=$repo/.demo
port_base=${DEMO_PORT_BASE:-14000}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Build mailcert (Release) in $build_dir/"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" --target mailcert -j"$(nproc)"
mailcert=$repo/$build_dir/src/cli/mailcert

step "Start a private Pebble ACME server (ports $port_base-$((port_base + 5)))"
# A previous demo killed hard may have left its Pebble running: stop it, then start afresh
# (Pebble makes new roots on every start, so old state would not verify anyway).
scripts/pebble-down.sh "$demo_dir/pebble" >/dev/null 2>&1 || true
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
trap 'scripts/pebble-down.sh "$demo_dir/pebble"' EXIT
scripts/pebble-up.sh "$demo_dir/pebble" "$port_base"
# shellcheck source=/dev/null
source "$demo_dir/pebble/env"

step "Issue one certificate for mail, autoconfig and autodiscover (http-01 on port $HTTP_PORT)"
# Pebble resolves every name to 127.0.0.1 (through pebble-challtestsrv) and fetches
# http://NAME:$HTTP_PORT/.well-known/acme-challenge/TOKEN, which mailcert answers itself.
(
  set -x
  "$mailcert" issue -d mail.example.test -d autoconfig.example.test -d autodiscover.example.test \
    --server "$DIRECTORY_URL" --ca-bundle "$CA_BUNDLE" --email postmaster@example.test \
    --http-listen "127.0.0.1:$HTTP_PORT" --state-dir "$demo_dir/state"
)

step "List the stored certificates"
"$mailcert" certificates --state-dir "$demo_dir/state"

step "Verify the chain with openssl against Pebble's root"
shopt -s nullglob
lineages=("$demo_dir"/state/certs/*/current)
if [[ ${#lineages[@]} -ne 1 ]]; then
  echo "demo: expected one lineage under $demo_dir/state/certs, found ${#lineages[@]}" >&2
  exit 1
fi
current=${lineages[0]}
openssl x509 -in "$current/cert.pem" -noout -subject -issuer -enddate -ext subjectAltName
openssl verify -CAfile "$ROOT_PEM" -untrusted "$current/chain.pem" "$current/cert.pem"

step "Done: state kept in $demo_dir/state (Pebble stops now)"
