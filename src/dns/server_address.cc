#include "dns/server_address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "util/strings.h"

namespace mailcert::dns {
namespace {

bool IsLiteralIp(const std::string& ip) {
  socklen_t length = 0;
  return ToSockaddr(ServerAddress{ip, kDnsPort}, &length).has_value();
}

util::Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "invalid DNS server " + util::Quote(whole) + ": port must be 1-65535");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

std::string ServerAddress::ToString() const {
  if (is_ipv6()) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

util::Result<ServerAddress> ParseServerAddress(std::string_view text) {
  std::string_view trimmed = util::Trim(text);
  ServerAddress server;
  if (!trimmed.empty() && trimmed.front() == '[') {
    size_t close = trimmed.find(']');
    if (close == std::string_view::npos) {
      return util::Fail(util::ErrorCode::kInvalidInput,
                        "invalid DNS server " + util::Quote(text) + ": missing ']'");
    }
    server.ip = std::string(trimmed.substr(1, close - 1));
    std::string_view rest = trimmed.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return util::Fail(
            util::ErrorCode::kInvalidInput,
            "invalid DNS server " + util::Quote(text) + ": expected ':PORT' after ']'");
      }
      MC_ASSIGN_OR_RETURN(server.port, ParsePort(rest.substr(1), text));
    }
  } else if (std::count(trimmed.begin(), trimmed.end(), ':') == 1) {
    size_t colon = trimmed.find(':');
    server.ip = std::string(trimmed.substr(0, colon));
    MC_ASSIGN_OR_RETURN(server.port, ParsePort(trimmed.substr(colon + 1), text));
  } else {
    server.ip = std::string(trimmed);  // IPv4 without port, or bare IPv6
  }
  if (!IsLiteralIp(server.ip)) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "invalid DNS server " + util::Quote(text) +
                          ": expected an IP address, optionally with a port (127.0.0.1:53, "
                          "[::1]:53); host names are not accepted");
  }
  return server;
}

util::Result<sockaddr_storage> ToSockaddr(const ServerAddress& server, socklen_t* length) {
  sockaddr_storage storage{};
  auto not_an_address = [&] {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      util::Quote(server.ip) + " is not an IP address");
  };
  if (server.ip.find(':') == std::string::npos) {
    // inet_pton takes only dotted quads; getaddrinfo would also take inet_aton's "1.2.3".
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    if (inet_pton(AF_INET, server.ip.c_str(), &v4->sin_addr) != 1) return not_an_address();
    v4->sin_family = AF_INET;
    v4->sin_port = htons(server.port);
    *length = sizeof(sockaddr_in);
    return storage;
  }
  // getaddrinfo with AI_NUMERICHOST parses IPv6 with zone ids ("fe80::1%eth0") without ever
  // asking a resolver.
  addrinfo hints{};
  hints.ai_family = AF_INET6;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(server.port);
  if (getaddrinfo(server.ip.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return not_an_address();
  }
  std::memcpy(&storage, found->ai_addr, found->ai_addrlen);
  *length = found->ai_addrlen;
  freeaddrinfo(found);
  return storage;
}

util::Result<std::vector<ServerAddress>> ParseResolvConf(std::string_view text,
                                                         std::string_view source) {
  std::vector<ServerAddress> servers;
  int line_number = 0;
  for (const std::string& raw_line : util::Split(text, '\n')) {
    ++line_number;
    std::string_view line = raw_line;
    size_t comment = line.find_first_of("#;");
    if (comment != std::string_view::npos) line = line.substr(0, comment);
    line = util::Trim(line);
    constexpr std::string_view kKeyword = "nameserver";
    if (line.size() <= kKeyword.size() || line.substr(0, kKeyword.size()) != kKeyword ||
        (line[kKeyword.size()] != ' ' && line[kKeyword.size()] != '\t')) {
      continue;
    }
    std::string address(util::Trim(line.substr(kKeyword.size())));
    // resolv.conf always means port 53: "nameserver" takes a bare address.
    if (!IsLiteralIp(address)) {
      return util::Fail(util::ErrorCode::kInvalidInput,
                        std::string(source) + ":" + std::to_string(line_number) + ": nameserver " +
                            util::Quote(address) + " is not an IP address");
    }
    servers.push_back(ServerAddress{address, kDnsPort});
  }
  if (servers.empty()) servers.push_back(ServerAddress{"127.0.0.1", kDnsPort});
  return servers;
}

}  // namespace mailcert::dns
