#include "net/local_addresses.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>

namespace mailcert::net {

LocalAddresses ListLocalAddresses(bool include_loopback) {
  LocalAddresses addresses;
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return addresses;
  for (struct ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (entry->ifa_addr->sa_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(entry->ifa_addr);
      const uint32_t host = ntohl(in->sin_addr.s_addr);
      if (!include_loopback && (host >> 24) == 127) continue;
      if ((host >> 16) == 0xa9fe) continue;  // 169.254/16 link-local
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      addresses.ipv4.push_back(text);
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(entry->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;
      if (!include_loopback && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) continue;
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      addresses.ipv6.push_back(text);
    }
  }
  ::freeifaddrs(list);
  for (auto* family : {&addresses.ipv4, &addresses.ipv6}) {
    std::sort(family->begin(), family->end());
    family->erase(std::unique(family->begin(), family->end()), family->end());
  }
  return addresses;
}

}  // namespace mailcert::net
