# shellcheck shell=bash
# Helpers the scripts/*-up.sh scripts share. Sourced, never run: it only defines functions.
#
#   script_dir=$(cd "$(dirname "$0")" && pwd)
#   source "$script_dir/lib.sh"

# Says "NAME: MESSAGE" on stderr (NAME: the script's, as pebble-up or mail-servers-up) and
# exits 1.
fail() {
  local name=${0##*/}
  echo "${name%.sh}: $*" >&2
  exit 1
}

# Reads the arguments every *-up.sh takes, DIR [PORT_BASE], into the variables dir and base
# (base defaults to DEFAULT_BASE). Exits 64 with the usage line when there are not one or two.
#   parse_dir_and_port_base DEFAULT_BASE "$@"
# shellcheck disable=SC2034  # dir and base are the caller's
parse_dir_and_port_base() {
  local default_base=$1
  shift
  if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 DIR [PORT_BASE]" >&2
    exit 64
  fi
  dir=$1
  base=${2:-$default_base}
}

# True when something accepts TCP connections on 127.0.0.1 port PORT.
#   port_in_use PORT
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Fails with MESSAGE while a server whose PID is in DIR/NAME.pid still runs: starting again
# would orphan it.
#   require_not_running DIR MESSAGE NAME...
require_not_running() {
  local dir=$1 message=$2 name
  shift 2
  for name in "$@"; do
    if [[ -s $dir/$name.pid ]] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      fail "$message"
    fi
  done
}

# Fails with "port P on 127.0.0.1 is in use; HINT" at the first port that is taken: a clear
# message before starting, instead of a bind error deep in a server's log.
#   require_free_ports HINT PORT...
require_free_ports() {
  local hint=$1 port
  shift
  for port in "$@"; do
    if port_in_use "$port"; then
      fail "port $port on 127.0.0.1 is in use; $hint"
    fi
  done
}
