#pragma once
// Addresses of DNS servers: "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353", and the
// nameserver lines of /etc/resolv.conf. Only literal IP addresses: resolving the resolver's own
// name would need a resolver.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace mailcert::dns {

inline constexpr uint16_t kDnsPort = 53;

struct ServerAddress {
  std::string ip;  // literal IPv4 or IPv6 address, IPv6 possibly with a %zone
  uint16_t port = kDnsPort;

  bool is_ipv6() const { return ip.find(':') != std::string::npos; }
  // "127.0.0.1:53", "[::1]:53" (RFC 3986 §3.2.2 brackets around IPv6 literals).
  std::string ToString() const;
  bool operator==(const ServerAddress& other) const = default;
};

// Parses "IP", "IP:PORT" (IPv4), "IPv6", "[IPv6]" or "[IPv6]:PORT"; the port defaults to 53.
// Errors: kInvalidInput naming the text and the accepted forms.
util::Result<ServerAddress> ParseServerAddress(std::string_view text);

// The socket address for `server`. Errors: kInvalidInput (not a literal address).
util::Result<sockaddr_storage> ToSockaddr(const ServerAddress& server, socklen_t* length);

// The nameserver lines of resolv.conf text (resolv.conf(5)), in order. Comments start with '#'
// or ';'; every other keyword is ignored. No nameserver line means the local server
// (127.0.0.1:53), as glibc assumes.
// Errors: kInvalidInput naming `source`:line for a nameserver that is not an IP address.
util::Result<std::vector<ServerAddress>> ParseResolvConf(std::string_view text,
                                                         std::string_view source);

}  // namespace mailcert::dns
