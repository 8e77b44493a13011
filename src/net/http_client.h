#pragma once
// HTTP(S) client. libcurl stays inside net/ (design.md); everyone else sees these types.
// The real client multiplexes all requests over one connection per origin (HTTP/2 where the
// server offers it) from a single I/O thread, so concurrent callers share one TLS session.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace mailcert::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST; PUT, PATCH, DELETE for vendor APIs
  std::string url;
  HeaderList headers;          // e.g. {"Content-Type", "application/jose+json"}
  std::string body;
  std::chrono::milliseconds timeout{30000};  // whole request
  // Connect to this IP address instead of resolving the URL's host; the Host header and the TLS
  // name stay the URL's. The pre-flight reachability check asks each address family this way.
  std::string connect_to_address;
  // Only for checks that must behave as an ACME CA following an HTTP-01 redirect to https, which
  // does not validate the certificate there (Let's Encrypt "Challenge Types", HTTP-01). Every
  // other request verifies.
  bool verify_tls = true;
};

struct HttpResponse {
  long status = 0;
  HeaderList headers;  // names lowercased, in the order received
  std::string body;

  // First value of a header (name compared case-insensitively), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // Every value of a header, in order (Link may repeat, RFC 8288 §3).
  std::vector<std::string> Headers(std::string_view name) const;
};

// Counters since the client was made, for tests and benchmarks.
struct HttpClientStats {
  uint64_t requests = 0;            // transfers finished, each redirect hop counted
  uint64_t connections_opened = 0;  // new TCP (and TLS) connections; every other request reused one
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and waits for the whole response. Thread-safe: many threads may call Send
  // at once. Any HTTP status is a success here; only transport failures are errors.
  // Errors: kNetwork ("connect to https://host:port/: Connection refused"; a TLS verification
  // failure names the server and hints at --ca-bundle), kTimeout.
  virtual util::Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // Thread-safe. Fakes need not count anything.
  virtual HttpClientStats Stats() const { return {}; }
};

struct HttpClientOptions {
  std::string user_agent;       // e.g. "mailcert/0.1.0"
  // Extra PEM CA certificates trusted for HTTPS in addition to the system trust store.
  std::string extra_ca_bundle_file;
  std::chrono::milliseconds connect_timeout{10000};
  bool follow_redirects = false;  // ACME never follows; the HTTP-01 self-check does
  int max_redirects = 10;
  // Only ports 80 and 443 may be redirected to (the HTTP-01 rule, RFC 8555 §8.3 as CAs apply it).
  bool redirects_only_to_web_ports = false;
  // A larger response body fails with kNetwork instead of growing memory without bound.
  size_t max_response_body = 4 * 1024 * 1024;
};

// Errors: kInvalidInput (extra CA bundle unreadable or not PEM), kInternal (curl init).
util::Result<std::unique_ptr<HttpClient>> MakeHttpClient(const HttpClientOptions& options);

}  // namespace mailcert::net
