#!/usr/bin/env bash
# Stops what scripts/pebble-up.sh DIR started, by the PIDs it recorded in DIR/*.pid:
# SIGTERM to both at once (each takes 1-2 s to shut down), up to 5 s grace, then SIGKILL.
# Safe to run twice, or when nothing is running.
#
#   scripts/pebble-down.sh DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 64
fi
dir=$1

# name:expected /proc/PID/comm prefix (comm holds at most 15 characters).
servers=(pebble:pebble challtestsrv:pebble-challtes)

stopping=()  # "name:pid" of the servers sent SIGTERM
for entry in "${servers[@]}"; do
  name=${entry%%:*} expected=${entry#*:}
  pid_file="$dir/$name.pid"
  [[ -s $pid_file ]] || continue
  pid=$(cat "$pid_file")
  rm -f "$pid_file"
  kill -0 "$pid" 2>/dev/null || continue
  # A PID file left over from a crash may name a PID the kernel has since reused: only signal
  # the program we started.
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  if [[ $comm != "$expected"* ]]; then
    echo "pebble-down: pid $pid is '$comm', not $name; left alone" >&2
    continue
  fi
  kill -TERM "$pid" 2>/dev/null && stopping+=("$name:$pid")
done

for entry in "${stopping[@]}"; do
  name=${entry%%:*} pid=${entry#*:}
  for _ in $(seq 1 50); do  # 50 x 0.1 s = 5 s grace
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    echo "pebble-down: killed $name (pid $pid) after 5 s"
  else
    echo "pebble-down: stopped $name (pid $pid)"
  fi
done
