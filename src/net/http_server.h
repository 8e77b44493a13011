#pragma once
// A small HTTP/1.1 server for answering HTTP-01 challenges (RFC 8555 §8.3) and the pre-flight
// reachability check. One thread, poll(2), each connection closed after its response.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace mailcert::net {

struct ServerRequest {
  std::string method;
  std::string target;  // request-target as sent, e.g. "/.well-known/acme-challenge/abc"
  std::string host;    // Host header, may be empty
  std::string body;    // request content (Content-Length only, at most 64 KiB); usually empty
  std::string remote_address;  // the peer, "203.0.113.7:41234" or "[2001:db8::7]:41234"
  // Header fields as received, names lowercased. Fakes of vendor APIs check credentials here.
  std::vector<std::pair<std::string, std::string>> headers;

  // First value of a header (name compared case-insensitively), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

struct ServerResponse {
  int status = 404;
  std::string content_type = "text/plain";
  std::string body;
  // Further header fields, sent as given after Content-Type (e.g. Location for a redirect).
  // Content-Length and Connection are the server's own.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Called on the server thread; must be thread-safe with respect to the caller's own state.
using RequestHandler = std::function<ServerResponse(const ServerRequest&)>;

class HttpServer {
 public:
  // Listens on every address: "127.0.0.1:5002", "[::1]:5002", "[::]:80", "0.0.0.0:80", or ":80"
  // (every IPv4 and IPv6 address). Port 0 picks a free port (see BoundAddresses()).
  // Errors: kInvalidInput (unparsable address), kIo ("listen on [::]:80: Permission denied").
  static util::Result<std::unique_ptr<HttpServer>> Start(const std::vector<std::string>& listen,
                                                         RequestHandler handler);

  virtual ~HttpServer() = default;  // stops the thread and closes every socket

  // "127.0.0.1:43111", "[::1]:43111": the addresses actually bound.
  virtual std::vector<std::string> BoundAddresses() const = 0;
};

}  // namespace mailcert::net
