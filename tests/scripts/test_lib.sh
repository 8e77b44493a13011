# shellcheck shell=bash
# Helpers the tests/scripts/*_test.sh share. Sourced, never run.
#
#   source "$(dirname "$0")/test_lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1 port PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a port base in 20000-31799 (below the kernel's ephemeral range) such that base+OFFSET
# is free for every OFFSET given, so a script test can run beside the C++ suites under ctest -j.
# Fails after 20 random tries.
#   base=$(free_port_base 0 1 2 3 4 5)
free_port_base() {
  local candidate offset busy
  for _ in $(seq 1 20); do
    candidate=$((20000 + RANDOM % 11800))
    busy=false
    for offset in "$@"; do
      if port_in_use $((candidate + offset)); then busy=true; break; fi
    done
    if [[ $busy == false ]]; then echo "$candidate"; return 0; fi
  done
  fail "no free port range found"
}
