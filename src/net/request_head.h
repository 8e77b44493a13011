#pragma once
// Parsing of an HTTP/1.x request head for HttpServer (RFC 9112 §2–§6). Internal to net/: kept
// apart from the socket code so that the rules get table tests without sockets.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailcert::net {

inline constexpr size_t kMaxRequestHead = 8 * 1024;   // request line + header fields
inline constexpr size_t kMaxRequestBody = 64 * 1024;  // HTTP-01 requests have none

struct RequestHead {
  std::string method;
  std::string target;
  std::string host;
  size_t content_length = 0;
  // Every header field as received, names lowercased (Host and Content-Length included).
  std::vector<std::pair<std::string, std::string>> fields;
};

// Result of looking at the bytes received so far on a connection.
struct HeadScan {
  enum class State { kIncomplete, kComplete, kRejected };
  State state = State::kIncomplete;
  RequestHead head;
  size_t head_size = 0;  // bytes of head including the blank line (kComplete)
  int status = 0;        // the error status to answer with (kRejected): 400, 411, 413, 431, 505
};

// Looks for a complete request head at the start of `received` and parses it.
// kIncomplete: more bytes are needed (and the head is still within kMaxRequestHead).
// kRejected: the request is malformed or too large; `status` says how to answer.
HeadScan ScanRequestHead(std::string_view received);

// "OK", "Not Found", ...: the reason phrase for a status code (RFC 9110 §15), "" if unknown.
std::string_view ReasonPhrase(int status);

// Builds the complete response: status line, Content-Type, `extra` fields, Content-Length,
// Connection: close and, unless `head_only` (a HEAD request, RFC 9110 §9.3.2), the body.
// Fields whose name or value holds CR or LF are left out (no response splitting).
std::string FormatResponse(int status, std::string_view content_type,
                           const std::vector<std::pair<std::string, std::string>>& extra,
                           std::string_view body, bool head_only);

}  // namespace mailcert::net
