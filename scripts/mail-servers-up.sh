#!/usr/bin/env bash
# Starts a throw-away Postfix, Dovecot and nginx (Debian 12 packages) on 127.0.0.1 for the demo
# and for trying `mailcert deploy` / `mailcert check` by hand. Nothing under /etc is read or
# written and no system service is touched: every server runs from DIR with its own
# configuration, queue, state, PID and log files. (The C++ tests use the fixtures in
# tests/fixtures/{postfix,dovecot,nginx}.cc instead, which pick free ports themselves.)
#
#   sudo scripts/mail-servers-up.sh DIR [PORT_BASE]      (PORT_BASE defaults to 14100)
#
# Ports on 127.0.0.1 (the usual port in brackets):
#   PORT_BASE   smtp, STARTTLS [25]        +3 imap, STARTTLS [143]   +7 sieve, STARTTLS [4190]
#   +1 submission, STARTTLS [587]          +4 imaps [993]            +8 https [443]
#   +2 smtps [465]                         +5 pop3, STLS [110]
#                                          +6 pop3s [995]
# Every port serves a self-signed bootstrap certificate (as a fresh server serves snakeoil) from
# the files mailcert's deploy targets write for the lineage MAILCERT_LINEAGE (default
# mail.example.test), so one `mailcert deploy` replaces them:
#   DIR/postfix/<lineage>.ec256.pem                 key + certificate + chain (smtpd_tls_chain_files)
#   DIR/dovecot/<lineage>.ec256.{crt,key}           ssl_cert = </ssl_key = < (2.3 syntax)
#   DIR/nginx/<lineage>.ec256.{crt,key}             ssl_certificate / ssl_certificate_key
# DIR also receives:
#   servers/{postfix,dovecot,nginx}/   each server's configuration, queue/state and log
#   {postfix,dovecot,nginx}.pid        the PIDs scripts/mail-servers-down.sh stops
#   mailcert-deploy.toml               the three [[deploy]] tables for these servers; its
#                                      ca_bundle = "@CA_BUNDLE@" is for the caller to replace
#   env                                KEY=value lines: the ports, LINEAGE, DEPLOY_CONFIG, …
# Runs as root: Postfix's master and Dovecot start as root and drop to their service users
# (postfix, dovecot, dovenull), and nginx's workers run as nobody.
# Stop them with scripts/mail-servers-down.sh DIR.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
source "$script_dir/lib.sh"
parse_dir_and_port_base 14100 "$@"
lineage=${MAILCERT_LINEAGE:-mail.example.test}
if [[ ! $base =~ ^[0-9]+$ ]] || ((base < 1024 || base > 65535 - 8)); then
  echo "mail-servers-up: PORT_BASE must be a number from 1024 to 65527, not '$base'" >&2
  exit 64
fi

if [[ $(id -u) -ne 0 ]]; then
  fail "run me as root (sudo $0 $*): Postfix's master and Dovecot start as root and drop to" \
    "their service users"
fi
# Debian installs the servers in /usr/sbin, which a non-login shell's PATH may lack.
export PATH=$PATH:/usr/sbin:/sbin
for entry in postfix:postfix postmap:postfix postconf:postfix dovecot:dovecot-core \
  doveadm:dovecot-core nginx:nginx openssl:openssl; do
  program=${entry%%:*} package=${entry#*:}
  command -v "$program" >/dev/null ||
    fail "$program not found: install it with scripts/install-deps.sh (Debian package $package)"
done
# Dovecot starts only if every protocol in `protocols` has its login program.
for entry in imap-login:dovecot-imapd pop3-login:dovecot-pop3d managesieve-login:dovecot-managesieved; do
  program=${entry%%:*} package=${entry#*:}
  [[ -x /usr/lib/dovecot/$program ]] ||
    fail "/usr/lib/dovecot/$program not found: install it with scripts/install-deps.sh" \
      "(Debian package $package)"
done
for user in postfix dovecot dovenull; do
  getent passwd "$user" >/dev/null ||
    fail "no user '$user': install postfix and dovecot-core with scripts/install-deps.sh"
done

# Everything created below must be readable and searchable by the service users.
umask 022
mkdir -p "$dir"
chmod 0755 "$dir"
dir=$(cd "$dir" && pwd -P)  # absolute and without symlinks: configs and PID checks use it
# The service users reach DIR by its path: every parent must be searchable by others (Debian 12
# creates home directories 0700).
parent=$dir
while [[ $parent != / ]]; do
  parent=$(dirname "$parent")
  mode=$(stat -c %a "$parent")
  if (((8#$mode & 1) == 0)); then
    fail "$parent (mode $mode) is not searchable by others, so Postfix and Dovecot could not" \
      "reach $dir after dropping privileges: use a directory under /tmp"
  fi
done
require_not_running "$dir" \
  "servers started from $dir are still running; run scripts/mail-servers-down.sh $dir" \
  postfix dovecot nginx

smtp_port=$base
submission_port=$((base + 1))
smtps_port=$((base + 2))
imap_port=$((base + 3))
imaps_port=$((base + 4))
pop3_port=$((base + 5))
pop3s_port=$((base + 6))
sieve_port=$((base + 7))
https_port=$((base + 8))
ports=("$smtp_port" "$submission_port" "$smtps_port" "$imap_port" "$imaps_port" "$pop3_port"
  "$pop3s_port" "$sieve_port" "$https_port")

# Fail early with a clear message instead of a bind error deep in three different logs.
require_free_ports "pick another PORT_BASE (ports $base-$((base + 8)))" "${ports[@]}"

# ---- Bootstrap certificate, in the files and modes mailcert's deploy targets write ----------
# One self-signed EC P-256 certificate for all three; it is replaced by the first deploy.
boot=$dir/bootstrap
mkdir -p "$boot" "$dir/postfix" "$dir/dovecot" "$dir/nginx"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$boot/key.pem" -out "$boot/cert.pem" -days 7 -subj "/CN=$lineage (bootstrap)" \
  -addext "subjectAltName=DNS:$lineage" 2>"$boot/openssl.log" ||
  fail "openssl could not make the bootstrap certificate: $(cat "$boot/openssl.log")"
stem=$lineage.ec256
# Key files are 0600 as mailcert writes them; the servers read them as root before dropping
# privileges.
(
  umask 077
  cat "$boot/key.pem" "$boot/cert.pem" >"$dir/postfix/$stem.pem"
  cp "$boot/key.pem" "$dir/dovecot/$stem.key"
  cp "$boot/key.pem" "$dir/nginx/$stem.key"
)
cp "$boot/cert.pem" "$dir/dovecot/$stem.crt"
cp "$boot/cert.pem" "$dir/nginx/$stem.crt"

# ---- Postfix -------------------------------------------------------------------------------
pf=$dir/servers/postfix
mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
# tlsmgr and the verify cache write to data_directory as mail_owner.
chown postfix: "$pf/data"
cat >"$pf/etc/main.cf" <<EOF
# Written by scripts/mail-servers-up.sh: a Postfix that only receives on 127.0.0.1.
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $lineage
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# master -s keeps stdout (master.log) open and postlogd writes there; maillog_file only takes
# paths under /var or /dev/stdout (maillog_file_prefixes).
maillog_file = /dev/stdout
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_tls_loglevel = 1
smtpd_tls_security_level = may
smtpd_tls_chain_files = $dir/postfix/$stem.pem
EOF
# master(5): service type private unpriv chroot wakeup maxproc command. No chroot: the daemons
# work in the queue directory directly. postlog is needed for maillog_file.
cat >"$pf/etc/master.cf" <<EOF
# Written by scripts/mail-servers-up.sh.
127.0.0.1:$smtp_port inet n - n - - smtpd
127.0.0.1:$submission_port inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
127.0.0.1:$smtps_port inet n - n - - smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
pickup    unix  n  -  n  60     1  pickup
cleanup   unix  n  -  n  -      0  cleanup
qmgr      unix  n  -  n  300    1  qmgr
tlsmgr    unix  -  -  n  1000?  1  tlsmgr
rewrite   unix  -  -  n  -      -  trivial-rewrite
bounce    unix  -  -  n  -      0  bounce
defer     unix  -  -  n  -      0  bounce
trace     unix  -  -  n  -      0  bounce
verify    unix  -  -  n  -      1  verify
flush     unix  n  -  n  1000?  0  flush
proxymap  unix  -  -  n  -      -  proxymap
anvil     unix  -  -  n  -      1  anvil
scache    unix  -  -  n  -      1  scache
postlog   unix-dgram n  -  n  -  1  postlogd
EOF

# ---- Dovecot -------------------------------------------------------------------------------
dc=$dir/servers/dovecot
mkdir -p "$dc/run" "$dc/state"
cat >"$dc/dovecot.conf" <<EOF
# Written by scripts/mail-servers-up.sh: Dovecot 2.3 on 127.0.0.1, nothing from /etc/dovecot.
base_dir = $dc/run
state_dir = $dc/state
log_path = /dev/stderr
protocols = imap pop3 sieve
listen = 127.0.0.1
auth_mechanisms = plain
# Stubs: Dovecot needs a passdb and a userdb to start; nobody logs in.
passdb {
  driver = static
  args = password=unused-in-the-demo
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
ssl = yes
# 2.3 syntax: "<" makes Dovecot read the file's content (2.4 renames these settings).
ssl_cert = <$dir/dovecot/$stem.crt
ssl_key = <$dir/dovecot/$stem.key
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3_port
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $pop3s_port
    ssl = yes
  }
}
service managesieve-login {
  inet_listener sieve {
    address = 127.0.0.1
    port = $sieve_port
  }
}
EOF

# ---- nginx ---------------------------------------------------------------------------------
ng=$dir/servers/nginx
mkdir -p "$ng"
nginx_bin=$(command -v nginx)
{
  echo "# Written by scripts/mail-servers-up.sh: one HTTPS server on 127.0.0.1."
  echo "daemon off;"
  echo "worker_processes 1;"
  echo "pid $ng/nginx.pid;"
  echo "error_log $ng/error.log;"
  echo "events {}"
  echo "http {"
  echo "  access_log $ng/access.log;"
  # Every path nginx writes to lives in DIR (the compiled-in defaults are under /var/lib/nginx).
  for temp in client_body proxy fastcgi uwsgi scgi; do echo "  ${temp}_temp_path $ng/$temp;"; done
  echo "  server {"
  echo "    listen 127.0.0.1:$https_port ssl;"
  echo "    server_name _;"
  echo "    ssl_certificate $dir/nginx/$stem.crt;"
  echo "    ssl_certificate_key $dir/nginx/$stem.key;"
  printf '%s\n' '    return 200 "mailcert demo\n";'  # nginx turns \n into a newline
  echo "  }"
  echo "}"
} >"$ng/nginx.conf"
# -p, -c and -e keep nginx away from /etc/nginx and /var/log/nginx (it opens the -e log before
# it reads the configuration). The same arguments go into the deploy's prepare and reload.
nginx_argv=("$nginx_bin" -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log")

# ---- Start ---------------------------------------------------------------------------------
stop_all() { "$script_dir/mail-servers-down.sh" "$dir" >/dev/null 2>&1 || true; }
show_log() {  # name file
  echo "mail-servers-up: $1 did not start; $2 ends:" >&2
  tail -n 20 "$2" >&2 || true
}

# `postfix check` creates the queue tree with Postfix's owners and modes (post-install
# create-missing); `postfix start` would too, but it detaches, and start-fg works only as PID 1.
if ! postfix -c "$pf/etc" check >"$pf/check.log" 2>&1; then
  show_log "Postfix (postfix check)" "$pf/check.log"
  exit 1
fi
"${nginx_argv[@]}" -t >"$ng/test.log" 2>&1 || {
  show_log "nginx (nginx -t)" "$ng/test.log"
  exit 1
}

# setsid: the servers outlive this script and ignore the terminal's Ctrl-C; mail-servers-down
# stops them by PID. (Without job control `setsid` execs in place, so $! is the server's own
# PID.) Each runs in the foreground of its own process: master without -w, dovecot -F, nginx
# with `daemon off`.
cd "$dir"
master=$(postconf -h daemon_directory)/master
: >"$pf/master.log"
setsid "$master" -c "$pf/etc" -s </dev/null >>"$pf/master.log" 2>&1 &
echo $! >"$dir/postfix.pid"
: >"$dc/dovecot.log"
setsid dovecot -F -c "$dc/dovecot.conf" </dev/null >>"$dc/dovecot.log" 2>&1 &
echo $! >"$dir/dovecot.pid"
: >"$ng/nginx.stdout"
setsid "${nginx_argv[@]}" </dev/null >>"$ng/nginx.stdout" 2>&1 &
echo $! >"$dir/nginx.pid"

# Ready means: every port accepts connections (each master binds its listeners itself).
declare -A log_of=([postfix]=$pf/master.log [dovecot]=$dc/dovecot.log [nginx]=$ng/error.log)
waiting=("${ports[@]}")
for _ in $(seq 1 300); do  # 300 x 0.05 s = 15 s
  still=()
  for port in "${waiting[@]}"; do port_in_use "$port" || still+=("$port"); done
  waiting=("${still[@]}")
  [[ ${#waiting[@]} -eq 0 ]] && break
  for name in postfix dovecot nginx; do
    if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      show_log "$name" "${log_of[$name]}"
      stop_all
      exit 1
    fi
  done
  sleep 0.05
done
if [[ ${#waiting[@]} -ne 0 ]]; then
  echo "mail-servers-up: nothing listens on 127.0.0.1 port(s) ${waiting[*]} after 15 s" >&2
  for name in postfix dovecot nginx; do show_log "$name" "${log_of[$name]}"; done
  stop_all
  exit 1
fi

# ---- What mailcert needs to deploy into these servers --------------------------------------
toml_string() {  # a TOML basic string
  local value=${1//\\/\\\\}
  printf '"%s"' "${value//\"/\\\"}"
}
toml_list() {
  local out="" item
  for item in "$@"; do out+="${out:+, }$(toml_string "$item")"; done
  printf '[%s]' "$out"
}
# The lines each [[deploy]] table starts with: its type, the lineage, and DIR/TYPE, where the
# server reads its files.
deploy_table() {  # type
  printf '[[deploy]]\ntype = "%s"\ncertificates = %s\ndir = %s\n' "$1" "$(toml_list "$lineage")" \
    "$(toml_string "$dir/$1")"
}
cat >"$dir/mailcert-deploy.toml" <<EOF
# Written by scripts/mail-servers-up.sh for the servers it started from $dir.
# Before use: replace @CA_BUNDLE@ with the PEM root that signed the certificates (mailcert
# validates the chain against it before it writes a file; the demo puts Pebble's root there),
# and give mailcert a state_dir (at the top of this file, or --state-dir).
# Postfix and Dovecot use their default commands: postfix -c DIR reload, doveadm -c FILE reload.

$(deploy_table postfix)
postfix_config_dir = $(toml_string "$pf/etc")
ca_bundle = "@CA_BUNDLE@"
endpoints = $(toml_list "smtp://127.0.0.1:$smtp_port" "submission://127.0.0.1:$submission_port" \
  "smtps://127.0.0.1:$smtps_port")

$(deploy_table dovecot)
dovecot_config = $(toml_string "$dc/dovecot.conf")
dovecot_version = "2.3"
ca_bundle = "@CA_BUNDLE@"
endpoints = $(toml_list "imap://127.0.0.1:$imap_port" "imaps://127.0.0.1:$imaps_port" \
  "pop3://127.0.0.1:$pop3_port" "pop3s://127.0.0.1:$pop3s_port" "sieve://127.0.0.1:$sieve_port")

$(deploy_table nginx)
# nginx -t first: a failing test aborts the deploy before the reload.
prepare = [$(toml_list "${nginx_argv[@]}" -t)]
reload = [$(toml_list "${nginx_argv[@]}" -s reload)]
ca_bundle = "@CA_BUNDLE@"
endpoints = $(toml_list "https://127.0.0.1:$https_port")
EOF

cat >"$dir/env" <<EOF
MAIL_SERVERS_DIR=$dir
LINEAGE=$lineage
DEPLOY_CONFIG=$dir/mailcert-deploy.toml
SMTP_PORT=$smtp_port
SUBMISSION_PORT=$submission_port
SMTPS_PORT=$smtps_port
IMAP_PORT=$imap_port
IMAPS_PORT=$imaps_port
POP3_PORT=$pop3_port
POP3S_PORT=$pop3s_port
SIEVE_PORT=$sieve_port
HTTPS_PORT=$https_port
POSTFIX_CONFIG_DIR=$pf/etc
DOVECOT_CONFIG=$dc/dovecot.conf
NGINX_CONFIG=$ng/nginx.conf
EOF
echo "mail-servers-up: Postfix, Dovecot and nginx ready on 127.0.0.1 ports $base-$((base + 8))" \
  "(settings in $dir/env)"
