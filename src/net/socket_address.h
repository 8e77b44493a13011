#pragma once
// Listen addresses for HttpServer: parsing "host:port" forms and formatting bound sockets.
// Internal to net/.

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace mailcert::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// One listen address as written in the config: "127.0.0.1:5002", "[::1]:5002", "[::]:80",
// "0.0.0.0:80", or ":80", which stands for both 0.0.0.0:80 and [::]:80 (returned in that order).
// Only literal addresses: a listener binds before any resolver is trustworthy, and a name could
// stand for several addresses.
// Errors: kInvalidInput naming the address and the accepted forms.
util::Result<std::vector<SocketAddress>> ParseListenAddress(std::string_view text);

// "127.0.0.1:80", "[::1]:80" (RFC 3986 §3.2.2 brackets for IPv6 literals).
std::string FormatSocketAddress(const sockaddr* address);

// strerror_r text for an errno value, e.g. "Permission denied".
std::string ErrnoText(int error);

}  // namespace mailcert::net
