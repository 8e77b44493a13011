#include "net/socket_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "util/strings.h"

namespace mailcert::net {
namespace {

util::Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port > 65535) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "listen address " + util::Quote(whole) + ": port must be 0 to 65535");
  }
  return static_cast<uint16_t>(port);
}

SocketAddress Ipv4(const in_addr& address, uint16_t port) {
  SocketAddress result;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(port);
  v4->sin_addr = address;
  result.length = sizeof(sockaddr_in);
  return result;
}

SocketAddress Ipv6(const in6_addr& address, uint16_t port) {
  SocketAddress result;
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  v6->sin6_addr = address;
  result.length = sizeof(sockaddr_in6);
  return result;
}

}  // namespace

util::Result<std::vector<SocketAddress>> ParseListenAddress(std::string_view text) {
  auto invalid = [&] {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "listen address " + util::Quote(text) +
                          ": expected IPV4:PORT, [IPV6]:PORT or :PORT (every address)");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid();
  std::string host(text.substr(0, colon));
  MC_ASSIGN_OR_RETURN(uint16_t port, ParsePort(text.substr(colon + 1), text));

  if (host.empty()) {
    in_addr any4{};
    any4.s_addr = htonl(INADDR_ANY);
    return std::vector<SocketAddress>{Ipv4(any4, port), Ipv6(in6addr_any, port)};
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid();
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6) != 1) return invalid();
    return std::vector<SocketAddress>{Ipv6(v6, port)};
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) != 1) return invalid();
  return std::vector<SocketAddress>{Ipv4(v4, port)};
}

std::string FormatSocketAddress(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "unknown address family " + std::to_string(address->sa_family);
}

std::string ErrnoText(int error) {
  char buffer[256];
  // The GNU strerror_r returns a pointer that may or may not be `buffer`.
  return std::string(strerror_r(error, buffer, sizeof buffer));
}

}  // namespace mailcert::net
