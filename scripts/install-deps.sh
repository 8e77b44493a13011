#!/usr/bin/env bash
# Installs every Debian 12 package mailcert needs to build, test, demo and benchmark.
# The README, the demo (scripts/demo.sh) and CI (.ci/run) all call this one script.
#   scripts/install-deps.sh            build + test + demo packages
#   scripts/install-deps.sh --bench    also the peer ACME clients compared in bench/
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config ca-certificates openssl curl
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libtomlplusplus-dev
  libcli11-dev libexpected-dev libgtest-dev libgmock-dev libbenchmark-dev
  libldns-dev libunbound-dev
)
# Real servers the integration tests and the demo start on loopback (nginx: webroot http-01
# tests; the benchmark also uses it to publish uacme's and dehydrated's webroot).
test_server_packages=(
  pebble nginx
  postfix dovecot-imapd dovecot-pop3d dovecot-managesieved
  bind9 bind9-utils bind9-dnsutils pdns-server pdns-backend-sqlite3 sqlite3 ldnsutils
)
# Peer ACME clients for bench/issue.sh; GNU time measures CPU and peak RSS.
bench_packages=(lego certbot uacme dehydrated hyperfine time)

packages=("${build_packages[@]}" "${test_server_packages[@]}")
if [[ "${1:-}" == "--bench" ]]; then packages+=("${bench_packages[@]}"); fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
