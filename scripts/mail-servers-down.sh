#!/usr/bin/env bash
# Stops what scripts/mail-servers-up.sh DIR started — Postfix's master, Dovecot and nginx — by
# the PIDs it recorded in DIR/{postfix,dovecot,nginx}.pid: SIGTERM to the three at once (each
# stops its own children), up to 10 s grace, then SIGKILL, and SIGKILL to any of their children
# still running 5 s after their master is gone. A PID is signalled only while it is still the
# program started from DIR (name and command line checked), so a stale PID file never hits a
# process the kernel has since given that PID. Safe to run twice, or when nothing is running.
#
#   sudo scripts/mail-servers-down.sh DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 64
fi
[[ -d $1 ]] || exit 0  # nothing was started there
dir=$(cd "$1" && pwd -P)  # as mail-servers-up.sh wrote it into the command lines

# name:expected /proc/PID/comm (at most 15 characters; nginx and Dovecot keep theirs when they
# rewrite their titles).
servers=(postfix:master dovecot:dovecot nginx:nginx)

# "STATE STARTTIME" of a PID, empty when it is gone. A zombie counts as gone: it holds no port
# and no file, and only its parent (here: whoever adopted it) can reap it.
proc_state() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # Field 2, (comm), may contain spaces: split after its closing parenthesis.
  read -ra fields <<<"${stat##*) }"
  [[ ${fields[0]} == Z ]] && return 0
  echo "${fields[0]} ${fields[19]}"  # state, starttime (fields 3 and 22 of proc(5))
}
# Alive and the same process: the start time tells a reused PID apart.
same_process() {  # pid starttime
  local state
  state=$(proc_state "$1")
  [[ -n $state && ${state#* } == "$2" ]]
}
# "pid:starttime" of every direct child of $1 (Postfix's daemons, Dovecot's services, nginx's
# workers: each master starts all of them itself).
children_of() {
  local stat fields pid
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/} pid=${pid%/stat}
    fields=$(cat "$stat" 2>/dev/null) || continue
    read -ra fields <<<"${fields##*) }"
    if [[ ${fields[1]} == "$1" ]]; then echo "$pid:${fields[19]}"; fi
  done
}

stopping=()  # "name:pid:starttime" of the masters sent SIGTERM
children=()  # "name:pid:starttime" of their children
for entry in "${servers[@]}"; do
  name=${entry%%:*} expected=${entry#*:}
  pid_file=$dir/$name.pid
  [[ -s $pid_file ]] || continue
  pid=$(cat "$pid_file")
  rm -f "$pid_file"
  [[ $pid =~ ^[0-9]+$ ]] || continue
  state=$(proc_state "$pid")
  [[ -n $state ]] || continue
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  if [[ $comm != "$expected" || $cmdline != *"$dir/"* ]]; then
    echo "mail-servers-down: pid $pid is '$comm' ($cmdline), not the $name started from $dir;" \
      "left alone" >&2
    continue
  fi
  starttime=${state#* }
  for child in $(children_of "$pid"); do children+=("$name:$child"); done
  kill -TERM "$pid" 2>/dev/null && stopping+=("$name:$pid:$starttime")
done

for entry in "${stopping[@]}"; do
  IFS=: read -r name pid starttime <<<"$entry"
  for _ in $(seq 1 100); do  # 100 x 0.1 s = 10 s grace (Dovecot waits for its services)
    same_process "$pid" "$starttime" || break
    sleep 0.1
  done
  if same_process "$pid" "$starttime"; then
    kill -KILL "$pid" 2>/dev/null || true
    echo "mail-servers-down: killed $name (pid $pid) after 10 s"
  else
    echo "mail-servers-down: stopped $name (pid $pid)"
  fi
done

# A master stopped normally takes its children with it; one killed leaves them to notice on
# their own. Whatever is still running after 5 s is killed, by PID and start time.
for _ in $(seq 1 50); do  # 50 x 0.1 s
  running=false
  for entry in "${children[@]}"; do
    IFS=: read -r name pid starttime <<<"$entry"
    if same_process "$pid" "$starttime"; then running=true; fi
  done
  [[ $running == true ]] || break
  sleep 0.1
done
for entry in "${children[@]}"; do
  IFS=: read -r name pid starttime <<<"$entry"
  if same_process "$pid" "$starttime"; then
    kill -KILL "$pid" 2>/dev/null || true
    echo "mail-servers-down: killed a leftover $name process (pid $pid)"
  fi
done
