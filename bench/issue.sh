#!/usr/bin/env bash
# Issuance benchmark: mailcert against the ACME clients Debian ships (lego, certbot, uacme,
# dehydrated), all against one local Pebble, each driven the way its users drive it.
#
#   scripts/install-deps.sh --bench && bench/issue.sh
#
# Two scenarios, measured in the same run:
#   many  N certificates of one name each (mailcert: one `issue --config` with N [[certificate]]
#         tables; lego/certbot/uacme: a shell loop of N invocations; dehydrated: one run over a
#         domains.txt of N lines)
#   wide  one certificate with N names (every client: one invocation, N names)
# For each client and scenario: wall time, CPU seconds (user+sys of the client and everything it
# started) and peak RSS (largest single process) from GNU time, the median of RUNS runs; also the
# CPU Pebble spent serving it. Account registration and one warm-up issuance happen before
# timing. Results: bench/results/issue-<date>.md (a markdown table) and ratios on stdout.
#
# Environment: N (100), RUNS (3), CLIENTS ("mailcert lego certbot uacme dehydrated"),
#   MAILCERT (build/src/cli/mailcert), MAILCERT_CONCURRENCY (unset: mailcert's default),
#   PORT_BASE (24000: Pebble uses six ports from there), KEEP_WORK=1 keeps the work directory.
# uacme trusts only the system CA file, so it runs in a private mount namespace where that file
# also holds Pebble's throw-away CA: this needs root (as on CI and the dev machines).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-100}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-"mailcert lego certbot uacme dehydrated"}
MAILCERT=${MAILCERT:-$repo/build/src/cli/mailcert}
PORT_BASE=${PORT_BASE:-24000}
EMAIL=bench@example.test

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

# ---- preflight: fail before any work when something is missing ----
[[ -x /usr/bin/time ]] && /usr/bin/time -f %e true 2>/dev/null ||
  die "GNU time (/usr/bin/time) missing: scripts/install-deps.sh --bench"
for client in $CLIENTS; do
  case $client in
    mailcert)
      [[ -x $MAILCERT ]] || die "mailcert binary not found at $MAILCERT: build it" \
        "(cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target mailcert)" \
        "or set MAILCERT=/path/to/mailcert" ;;
    lego | certbot | uacme | dehydrated)
      command -v "$client" >/dev/null || die "$client not installed: scripts/install-deps.sh --bench" ;;
    *) die "unknown client '$client' in CLIENTS" ;;
  esac
done
if [[ " $CLIENTS " == *" uacme "* || " $CLIENTS " == *" dehydrated "* ]]; then
  command -v nginx >/dev/null || die "nginx not installed (serves the webroot for uacme and dehydrated): scripts/install-deps.sh --bench"
fi
if [[ " $CLIENTS " == *" uacme "* && $(id -u) -ne 0 ]]; then
  die "uacme needs root here (private mount namespace for its CA file); run as root or drop it from CLIENTS"
fi

# ---- work directory, Pebble, cleanup ----
work=$(mktemp -d "${TMPDIR:-/tmp}/mailcert-bench-XXXXXX")
mkdir -p "$work/clients"
chmod 755 "$work"  # nginx workers (user nobody) read the webroot below it
nginx_pid=""
cleanup() {
  stop_nginx
  "$repo/scripts/pebble-down.sh" "$work/pebble" >/dev/null 2>&1 || true
  if [[ ${KEEP_WORK:-} == 1 ]]; then log "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The benchmark measures clients, not Pebble's fault injection: no sleeps, no rejected nonces,
# no reused authorizations (every order validates all its names).
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  "$repo/scripts/pebble-up.sh" "$work/pebble" "$PORT_BASE" >&2
# shellcheck source=/dev/null
source "$work/pebble/env"
pebble_pid=$(cat "$work/pebble/pebble.pid")
clock_ticks=$(getconf CLK_TCK)

# uacme and dehydrated write tokens into a webroot, which a web server publishes: nginx, as on
# most of their users' machines. It runs only around their measurements, since lego, certbot
# and mailcert bind the http-01 port themselves.
webroot=$work/webroot
challenge_dir=$webroot/.well-known/acme-challenge
mkdir -p "$challenge_dir" "$work/nginx"
chmod -R 755 "$webroot"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    root $webroot;
    default_type text/plain;
  }
}
EOF
start_nginx() {
  [[ -n $nginx_pid ]] && return 0
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon on;'
  for _ in $(seq 1 100); do [[ -s $work/nginx/nginx.pid ]] && break; sleep 0.02; done
  nginx_pid=$(cat "$work/nginx/nginx.pid")
  echo probe >"$challenge_dir/probe"
  curl -sf "http://127.0.0.1:$HTTP_PORT/.well-known/acme-challenge/probe" >/dev/null ||
    die "nginx does not serve $webroot on 127.0.0.1:$HTTP_PORT (see $work/nginx/error.log)"
}
stop_nginx() {
  [[ -z $nginx_pid ]] && return 0
  kill -QUIT "$nginx_pid" 2>/dev/null || true  # graceful stop of master and workers
  for _ in $(seq 1 100); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.05; done
  nginx_pid=""
}

# uacme's libcurl (GnuTLS) reads only /etc/ssl/certs/ca-certificates.crt: in a private mount
# namespace, that path shows the system bundle plus Pebble's throw-away CA. Nothing changes
# for the rest of the machine.
uacme_bundle=$work/uacme-ca-bundle.pem
cat /etc/ssl/certs/ca-certificates.crt "$CA_BUNDLE" >"$uacme_bundle" 2>/dev/null || cp "$CA_BUNDLE" "$uacme_bundle"

# ---- per client: directories, account registration (untimed), commands ----
client_dir() { echo "$work/clients/$1"; }

# The issuing lines of a client that takes one `-d NAME` per name: in the many scenario a loop
# of one invocation per name, else one invocation with every name. CMD is the command line
# before the names, SUFFIX what follows them (" run" for lego).
#   emit_per_name SCENARIO CMD SUFFIX NAMES...
emit_per_name() {
  local scenario=$1 cmd=$2 suffix=$3
  shift 3
  if [[ $scenario == many ]]; then
    printf 'for name in %s; do %s -d "$name"%s; done\n' "$*" "$cmd" "$suffix"
  else
    printf '%s' "$cmd"; printf ' -d %q' "$@"; printf '%s\n' "$suffix"
  fi
}

# Writes to stdout a bash script that issues the certificates of one measurement.
#   emit_script CLIENT SCENARIO NAMES...
emit_script() {
  local client=$1 scenario=$2
  shift 2
  local dir
  dir=$(client_dir "$client")
  echo "set -euo pipefail"
  case $client in
    mailcert)
      if [[ $scenario == many ]]; then
        printf '%q issue --config %q\n' "$MAILCERT" "$dir/many.toml"
      else
        printf '%q issue --cert-name %q' "$MAILCERT" "$1"
        printf ' -d %q' "$@"
        printf ' --server %q --ca-bundle %q --email %q --http-listen %q --state-dir %q\n' \
          "$DIRECTORY_URL" "$CA_BUNDLE" "$EMAIL" "127.0.0.1:$HTTP_PORT" "$dir/state"
      fi ;;
    lego)
      printf 'export LEGO_CA_CERTIFICATES=%q\n' "$CA_BUNDLE"
      local lego
      lego=$(printf 'lego --server %q --email %q --accept-tos --path %q --key-type ec256 --http --http.port %q' \
        "$DIRECTORY_URL" "$EMAIL" "$dir" "127.0.0.1:$HTTP_PORT")
      emit_per_name "$scenario" "$lego" " run" "$@" ;;
    certbot)
      printf 'export REQUESTS_CA_BUNDLE=%q\n' "$CA_BUNDLE"
      local certbot
      certbot=$(printf 'certbot certonly --non-interactive --standalone --http-01-port %q --http-01-address 127.0.0.1 --server %q --config-dir %q --work-dir %q --logs-dir %q --key-type ecdsa --elliptic-curve secp256r1' \
        "$HTTP_PORT" "$DIRECTORY_URL" "$dir/config" "$dir/work" "$dir/logs")
      emit_per_name "$scenario" "$certbot" "" "$@" ;;
    uacme)
      printf 'export UACME_CHALLENGE_PATH=%q\n' "$challenge_dir"
      local uacme
      uacme=$(printf 'uacme --confdir %q --acme-url %q --type EC --bits 256 --hook /usr/share/uacme/uacme.sh' \
        "$dir" "$DIRECTORY_URL")
      if [[ $scenario == many ]]; then
        printf 'for name in %s; do %s issue "$name"; done\n' "$*" "$uacme"
      else
        printf '%s issue' "$uacme"; printf ' %q' "$@"; printf '\n'
      fi ;;
    dehydrated)
      # domains.txt: one line per certificate; names on a line share one certificate.
      if [[ $scenario == many ]]; then printf '%s\n' "$@"; else echo "$*"; fi >"$dir/domains.txt"
      printf 'export CURL_CA_BUNDLE=%q\n' "$CA_BUNDLE"
      printf 'dehydrated --cron --config %q\n' "$dir/config" ;;
  esac
}

# The file each client writes for a certificate whose first name (lineage) is $2.
cert_file() {
  local dir
  dir=$(client_dir "$1")
  case $1 in
    mailcert) echo "$dir/state/certs/$2/current/fullchain.pem" ;;
    lego) echo "$dir/certificates/$2.crt" ;;
    certbot) echo "$dir/config/live/$2/fullchain.pem" ;;
    uacme) echo "$dir/$2/cert.pem" ;;
    dehydrated) echo "$dir/certs/$2/fullchain.pem" ;;
  esac
}

# The command that runs a client's script. uacme gets the CA trust it cannot take by flag or env.
client_command() {
  local client=$1 script=$2
  if [[ $client == uacme ]]; then
    printf '%s\0' unshare --mount --propagation private bash -c \
      'mount --bind "$1" /etc/ssl/certs/ca-certificates.crt && exec bash "$2"' _ "$uacme_bundle" "$script"
  else
    printf '%s\0' bash "$script"
  fi
}

setup_client() {
  local client=$1 dir
  dir=$(client_dir "$client")
  mkdir -p "$dir"
  case $client in
    mailcert)
      "$MAILCERT" account register --server "$DIRECTORY_URL" --ca-bundle "$CA_BUNDLE" \
        --email "$EMAIL" --state-dir "$dir/state" ;;
    certbot)
      REQUESTS_CA_BUNDLE=$CA_BUNDLE certbot register --non-interactive --agree-tos --no-eff-email \
        -m "$EMAIL" --server "$DIRECTORY_URL" --config-dir "$dir/config" --work-dir "$dir/work" \
        --logs-dir "$dir/logs" ;;
    uacme)
      echo "uacme --confdir $(printf %q "$dir") --acme-url $(printf %q "$DIRECTORY_URL") --yes new $EMAIL" >"$dir/register.sh"
      local command
      mapfile -d '' command < <(client_command uacme "$dir/register.sh")
      "${command[@]}" ;;
    dehydrated)
      cat >"$dir/config" <<EOF
CA="$DIRECTORY_URL"
BASEDIR="$dir"
WELLKNOWN="$challenge_dir"
DOMAINS_TXT="$dir/domains.txt"
KEY_ALGO=prime256v1
CHALLENGETYPE=http-01
CONTACT_EMAIL=$EMAIL
EOF
      CURL_CA_BUNDLE=$CA_BUNDLE dehydrated --register --accept-terms --config "$dir/config" ;;
    lego) ;;  # lego registers on its first `run`: the warm-up below
  esac
}

# ---- measuring ----
results=$work/results.tsv  # client scenario run wall user sys rss_kb pebble_cpu status
: >"$results"
pebble_cpu_seconds() {
  awk -v hz="$clock_ticks" '{ print ($14 + $15) / hz }' "/proc/$pebble_pid/stat"
}

# measure CLIENT SCENARIO RUN NAMES...: issues, times, checks every certificate exists.
measure() {
  local client=$1 scenario=$2 run=$3
  shift 3
  local dir script timing
  dir=$(client_dir "$client")
  script=$dir/$scenario-$run.sh
  timing=$dir/$scenario-$run.time
  if [[ $client == mailcert && $scenario == many ]]; then write_mailcert_config "$dir" "$@"; fi
  emit_script "$client" "$scenario" "$@" >"$script"
  if [[ $client == uacme || $client == dehydrated ]]; then start_nginx; else stop_nginx; fi

  local command cpu_before cpu_after status=ok
  mapfile -d '' command < <(client_command "$client" "$script")
  cpu_before=$(pebble_cpu_seconds)
  if ! /usr/bin/time -f '%e %U %S %M' -o "$timing" "${command[@]}" >"$dir/$scenario-$run.log" 2>&1; then
    status=failed
  fi
  cpu_after=$(pebble_cpu_seconds)
  # Every certificate must be there: a fast client that issued nothing must not win.
  local expected=("$@")
  [[ $scenario == wide ]] && expected=("$1")
  for name in "${expected[@]}"; do
    [[ -s $(cert_file "$client" "$name") ]] || { status=failed; break; }
  done
  if [[ $status == failed ]]; then
    log "$client $scenario run $run FAILED; $dir/$scenario-$run.log ends:"
    tail -n 15 "$dir/$scenario-$run.log" >&2
  fi
  # GNU time prints "Command exited with non-zero status N" before the numbers on failure.
  local wall=0 user=0 sys=0 rss=0
  read -r wall user sys rss < <(tail -n 1 "$timing") || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$client" "$scenario" "$run" "$wall" "$user" "$sys" \
    "$rss" "$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.2f", b - a }')" "$status" >>"$results"
  log "$client $scenario run $run: ${wall}s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')s CPU, $((rss / 1024)) MiB, $status"
  [[ $status == ok ]]
}

write_mailcert_config() {
  local dir=$1
  shift
  {
    printf 'server = "%s"\nca_bundle = "%s"\nstate_dir = "%s"\nemail = "%s"\n' \
      "$DIRECTORY_URL" "$CA_BUNDLE" "$dir/state" "$EMAIL"
    printf 'http_listen = "127.0.0.1:%s"\nkey_type = "ec256"\n' "$HTTP_PORT"
    if [[ -n ${MAILCERT_CONCURRENCY:-} ]]; then printf 'concurrency = %s\n' "$MAILCERT_CONCURRENCY"; fi
    for name in "$@"; do printf '\n[[certificate]]\nname = "%s"\ndomains = ["%s"]\n' "$name" "$name"; done
  } >"$dir/many.toml"
}

names() {  # names PREFIX COUNT
  local i
  for ((i = 1; i <= $2; i++)); do echo "$1-$i.example.test"; done
}

log "N=$N RUNS=$RUNS CLIENTS=\"$CLIENTS\"; Pebble at $DIRECTORY_URL; work in $work"
for client in $CLIENTS; do
  log "$client: registering the account and one warm-up certificate (not timed)"
  setup_client "$client" >"$(client_dir "$client").setup.log" 2>&1 ||
    { cat "$(client_dir "$client").setup.log" >&2; die "$client: account registration failed"; }
  measure "$client" warmup 0 "warmup-$client.example.test" || die "$client: warm-up issuance failed"
  sed -i '$d' "$results"  # the warm-up is not a result
done

# Runs interleave the clients, so a slow drift of the machine touches all of them alike.
for ((run = 1; run <= RUNS; run++)); do
  for client in $CLIENTS; do
    mapfile -t many < <(names "bench-$client-r$run" "$N")
    measure "$client" many "$run" "${many[@]}" || true
    mapfile -t wide < <(names "bench-$client-r$run-wide" "$N")
    measure "$client" wide "$run" "${wide[@]}" || true
  done
done

# ---- report ----
mkdir -p "$repo/bench/results"
report=$repo/bench/results/issue-$(date -u +%Y%m%dT%H%M%SZ).md
version_of() {
  case $1 in
    mailcert) "$MAILCERT" --version 2>/dev/null | head -n 1 ;;
    *) dpkg-query -W -f='${Version}' "$1" 2>/dev/null ;;
  esac
}
{
  echo "# Issuance benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "N=$N, median of $RUNS runs; Pebble $(dpkg-query -W -f='${Version}' pebble) on the same" \
    "machine ($(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo));" \
    "PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT=0, PEBBLE_AUTHZREUSE=0."
  echo "*many*: $N certificates of one name each. *wide*: one certificate with $N names."
  echo "CPU = user+sys of the client and all it started; RSS = largest single process;"
  echo "Pebble CPU = what the server spent on that client's requests."
  echo
  echo "| scenario | client | version | wall s | CPU s | peak RSS MiB | Pebble CPU s | runs ok |"
  echo "|---|---|---|---:|---:|---:|---:|---:|"
  for scenario in many wide; do
    for client in $CLIENTS; do
      awk -F'\t' -v c="$client" -v s="$scenario" -v v="$(version_of "$client")" '
        function median(a, n,   i, j, t) {
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
          return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == c && $2 == s { total++; if ($9 == "ok") { n++; w[n] = $4 + 0; u[n] = $5 + $6; r[n] = $7 / 1024; p[n] = $8 + 0 } }
        END {
          if (n == 0) { printf "| %s | %s | %s | failed | | | | 0/%d |\n", s, c, v, total; exit }
          printf "| %s | %s | %s | %.2f | %.2f | %.1f | %.2f | %d/%d |\n", s, c, v, median(w, n), median(u, n), median(r, n), median(p, n), n, total
        }' "$results"
    done
  done
  echo
  echo "Raw runs (client, scenario, run, wall, user, sys, max RSS KiB, Pebble CPU, status):"
  echo
  echo '```'
  cat "$results"
  echo '```'
} >"$report"

# Ratios: mailcert against the fastest (smallest) peer on each measure.
ratios=$(awk -F'|' '
  NR > 2 && $2 ~ /many|wide/ && $5 !~ /failed/ {
    s = $2; c = $3; gsub(/ /, "", s); gsub(/ /, "", c)
    wall[s, c] = $5 + 0; cpu[s, c] = $6 + 0; rss[s, c] = $7 + 0; seen[s] = 1; clients[c] = 1
  }
  function best(m, s,   c, b, bc) { b = -1; for (c in clients) if (c != "mailcert" && (s, c) in m && (b < 0 || m[s, c] < b)) { b = m[s, c]; bc = c }; return bc }
  END {
    for (s in seen) {
      if (!((s, "mailcert") in wall)) continue
      split("wall cpu rss", what, " ")
      for (k = 1; k <= 3; k++) {
        if (what[k] == "wall") { pc = best(wall, s); m = wall[s, "mailcert"]; p = wall[s, pc] }
        if (what[k] == "cpu") { pc = best(cpu, s); m = cpu[s, "mailcert"]; p = cpu[s, pc] }
        if (what[k] == "rss") { pc = best(rss, s); m = rss[s, "mailcert"]; p = rss[s, pc] }
        if (pc == "") continue
        printf "%s %s: mailcert %.2f vs fastest peer %s %.2f -> %.1fx\n", s, what[k], m, pc, p, (m > 0 ? p / m : 0)
      }
    }
  }' <(sed -n '/^| scenario/,/^$/p' "$report"))
if [[ -n $ratios ]]; then
  { echo; echo "Ratios (peer / mailcert; above 1 means mailcert is better):"; echo; echo '```'; echo "$ratios"; echo '```'; } >>"$report"
fi

cat "$report"
log "report written to $report"
if grep -q $'\tfailed$' "$results"; then die "some runs failed (see above)"; fi
