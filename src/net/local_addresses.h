#pragma once
// This host's own IP addresses (getifaddrs(3)), for the pre-flight check that a name's A and AAAA
// records point here. Loopback and link-local addresses are left out unless asked for.

#include <string>
#include <vector>

namespace mailcert::net {

struct LocalAddresses {
  std::vector<std::string> ipv4;
  std::vector<std::string> ipv6;
};

LocalAddresses ListLocalAddresses(bool include_loopback);

}  // namespace mailcert::net
