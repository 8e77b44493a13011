#!/usr/bin/env bash
# The newcomer's first run: builds mailcert, starts a private Pebble ACME server, issues one
# certificate for a mail server's three usual names over http-01, lists it and verifies its
# chain with openssl against Pebble's root. Then the other half: starts a local Postfix, Dovecot
# and nginx serving a self-signed bootstrap certificate, deploys the issued one into all three
# with `mailcert deploy` (write, reload, verify on the wire) and prints what every port serves
# with `mailcert check`. Leaves nothing running (trap), keeps the state in .demo/ (gitignored)
# and the mail servers' directory (configuration, logs) in a temp dir to look at afterwards.
#
#   scripts/install-deps.sh && scripts/demo.sh
# Environment: BUILD_DIR (default build), DEMO_PORT_BASE (default 14000; six ports from there
# for Pebble, nine from DEMO_PORT_BASE+100 for the mail servers), DEMO_DIR (default .demo, where
# the state is kept), MAILCERT_BIN (a mailcert already built: no build step; the test suite runs
# the demo this way, tests/scripts/demo_test.sh).
# The mail servers part runs as root (through sudo when the demo is not run as root): Postfix's
# master and Dovecot start as root, and mailcert runs their reload commands.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
build_dir=${BUILD_DIR:-build}
demo_dir=${DEMO_DIR:-$repo/.demo}
port_base=${DEMO_PORT_BASE:-14000}
mail_port_base=$((port_base + 100))

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "demo: run me as root, or install sudo: Postfix and Dovecot start as root" >&2
    exit 1
  fi
  as_root=(sudo)
fi
# A TOML basic string (paths with a backslash or a quote stay intact).
toml_string() {
  local value=${1//\\/\\\\}
  printf '"%s"' "${value//\"/\\\"}"
}

if [[ -n ${MAILCERT_BIN:-} ]]; then
  mailcert=$MAILCERT_BIN
  [[ -x $mailcert ]] || { echo "demo: MAILCERT_BIN=$mailcert is not an executable" >&2; exit 1; }
else
  step "Build mailcert (Release) in $build_dir/"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" --target mailcert -j"$(nproc)"
  mailcert=$repo/$build_dir/src/cli/mailcert
fi

# A DEMO_DIR is emptied only when an earlier demo made it (it carries the marker) or it is empty.
if [[ -n ${DEMO_DIR:-} && -d $demo_dir && ! -e $demo_dir/.mailcert-demo &&
      -n $(ls -A "$demo_dir") ]]; then
  echo "demo: $demo_dir holds files the demo did not write; choose another DEMO_DIR" >&2
  exit 1
fi
step "Start a private Pebble ACME server (ports $port_base-$((port_base + 5)))"
# A previous demo killed hard may have left its Pebble and mail servers running: stop them,
# then start afresh (Pebble makes new roots on every start, so old state would not verify
# anyway). The mail servers live outside .demo/, which may sit in a home directory the service
# users cannot enter; .demo/mail-servers.dir remembers where.
scripts/pebble-down.sh "$demo_dir/pebble" >/dev/null 2>&1 || true
if [[ -s $demo_dir/mail-servers.dir ]]; then
  old_mail_dir=$(cat "$demo_dir/mail-servers.dir")
  if [[ $(basename "$old_mail_dir") == mailcert-demo-mail.* && -d $old_mail_dir ]]; then
    "${as_root[@]}" scripts/mail-servers-down.sh "$old_mail_dir" >/dev/null 2>&1 || true
    "${as_root[@]}" rm -rf "$old_mail_dir"
  fi
fi
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
touch "$demo_dir/.mailcert-demo"
mail_dir=$(mktemp -d "${TMPDIR:-/tmp}/mailcert-demo-mail.XXXXXX")
echo "$mail_dir" >"$demo_dir/mail-servers.dir"
# Stops everything this demo starts, in reverse order; both scripts are no-ops for what is not
# running.
stop_all() {
  "${as_root[@]}" scripts/mail-servers-down.sh "$mail_dir" || true
  scripts/pebble-down.sh "$demo_dir/pebble"
}
trap stop_all EXIT
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
lineage=$(basename "$(dirname "$current")")

step "Start Postfix, Dovecot and nginx with a self-signed bootstrap certificate" \
  "(ports $mail_port_base-$((mail_port_base + 8)))"
# Each from its own directory with its own configuration; nothing under /etc is touched.
"${as_root[@]}" env MAILCERT_LINEAGE="$lineage" scripts/mail-servers-up.sh "$mail_dir" "$mail_port_base"
# shellcheck source=/dev/null
source "$mail_dir/env"

step "Deploy into Postfix, Dovecot and nginx: write, reload, verify every port on the wire"
# The [[deploy]] tables mail-servers-up.sh wrote, with this demo's store and Pebble's root as the
# CA bundle the chain must verify against (a Let's Encrypt certificate needs no ca_bundle).
config=$demo_dir/mailcert.toml
deploy_tables=$(<"$DEPLOY_CONFIG")
root_bundle=$(toml_string "$ROOT_PEM")
{
  echo "# The demo's configuration: scripts/mail-servers-up.sh's [[deploy]] tables, Pebble's root."
  echo "state_dir = $(toml_string "$demo_dir/state")"
  echo
  echo "${deploy_tables//\"@CA_BUNDLE@\"/"$root_bundle"}"
} >"$config"
(
  set -x
  "${as_root[@]}" "$mailcert" deploy --config "$config"
)
if [[ ${#as_root[@]} -ne 0 ]]; then
  # mailcert ran as root and may have replaced files in the store: give them back.
  sudo chown -R "$(id -u):$(id -g)" "$demo_dir/state"
fi

step "Check what every port serves: served = deployed = stored"
(
  set -x
  "${as_root[@]}" "$mailcert" check --config "$config"
)

step "Done: state kept in $demo_dir/state, the servers' files in $mail_dir (everything stops now)"
