#include "net/tcp_connect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "net/socket_address.h"
#include "net/tls_client.h"
#include "util/strings.h"

namespace mailcert::net {
namespace {

using util::ErrorCode;
using util::Fail;

using AddrInfoPtr = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;

// One non-blocking connect to `address`, bounded by `timeout`. Returns the socket, or an error
// naming the address.
util::Result<int> ConnectOne(const addrinfo& address, std::chrono::milliseconds timeout) {
  const std::string name = FormatSocketAddress(address.ai_addr);
  int fd = socket(address.ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return Fail(ErrorCode::kNetwork, "connect to " + name + ": socket: " + ErrnoText(errno));
  }
  auto fail = [&](ErrorCode code, const std::string& reason) {
    ::close(fd);
    return Fail(code, "connect to " + name + ": " + reason);
  };
  if (connect(fd, address.ai_addr, address.ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS) return fail(ErrorCode::kNetwork, ErrnoText(errno));

  pollfd waiting{fd, POLLOUT, 0};
  int ready;
  do {
    ready = poll(&waiting, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) {
    return fail(ErrorCode::kTimeout, "no answer within " + TimeoutText(timeout) +
                                         " (a firewall dropping packets, or the host is down)");
  }
  if (ready < 0) return fail(ErrorCode::kNetwork, "poll: " + ErrnoText(errno));
  // connect(2): once writable, SO_ERROR says whether the connection was made.
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) return fail(ErrorCode::kNetwork, ErrnoText(error));
  return fd;
}

}  // namespace

std::string TimeoutText(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 != 0) return std::to_string(timeout.count()) + " ms";
  return std::to_string(timeout.count() / 1000) + " s";
}

std::string StripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool IsIpLiteral(const std::string& host) {
  const std::string bare = StripBrackets(host);
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, bare.c_str(), &v4) == 1 || inet_pton(AF_INET6, bare.c_str(), &v6) == 1;
}

util::Result<TcpConnection> ConnectTcp(const std::string& host, int port,
                                       std::chrono::milliseconds timeout) {
  if (host.empty()) return Fail(ErrorCode::kInvalidInput, "connect: no host name given");
  if (port < 1 || port > 65535) {
    return Fail(ErrorCode::kInvalidInput,
                "connect to " + host + ": port " + std::to_string(port) + " is not in 1..65535");
  }
  const std::string bare = StripBrackets(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(bare.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    std::string reason = rc == EAI_SYSTEM ? ErrnoText(errno) : gai_strerror(rc);
    return Fail(ErrorCode::kNetwork, "resolve " + util::Quote(bare) + ": " + reason);
  }
  AddrInfoPtr addresses(list, &freeaddrinfo);

  std::vector<util::Error> failures;
  for (const addrinfo* address = list; address != nullptr; address = address->ai_next) {
    auto fd = ConnectOne(*address, timeout);
    if (fd) return TcpConnection{*fd, FormatSocketAddress(address->ai_addr)};
    failures.push_back(fd.error());
  }
  if (failures.empty()) {
    return Fail(ErrorCode::kNetwork, "resolve " + util::Quote(bare) + ": no address");
  }
  if (failures.size() == 1) return Fail(failures.front());
  // Several addresses: name each failure, so "IPv6 unreachable, IPv4 refused" is visible.
  std::vector<std::string> messages;
  for (const util::Error& failure : failures) messages.push_back(failure.message);
  return Fail(failures.back().code,
              "connect to " + bare + " port " + service + ": " + util::Join(messages, "; "));
}

util::Result<std::vector<std::string>> ResolveHostAddresses(const std::string& host) {
  const std::string bare = StripBrackets(host);
  if (bare.empty()) return Fail(ErrorCode::kInvalidInput, "resolve: no host name given");
  if (IsIpLiteral(bare)) return std::vector<std::string>{bare};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(bare.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    std::string reason = rc == EAI_SYSTEM ? ErrnoText(errno) : gai_strerror(rc);
    return Fail(ErrorCode::kNetwork, "resolve " + util::Quote(bare) + ": " + reason);
  }
  AddrInfoPtr addresses(list, &freeaddrinfo);
  std::vector<std::string> found;
  for (const addrinfo* address = list; address != nullptr; address = address->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        address->ai_family == AF_INET6
            ? static_cast<const void*>(
                  &reinterpret_cast<const sockaddr_in6*>(address->ai_addr)->sin6_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<const sockaddr_in*>(address->ai_addr)->sin_addr);
    if (inet_ntop(address->ai_family, raw, text, sizeof text) == nullptr) continue;
    if (std::find(found.begin(), found.end(), text) == found.end()) found.emplace_back(text);
  }
  return found;
}

}  // namespace mailcert::net
