#include "net/request_head.h"

#include <charconv>

#include "util/strings.h"

namespace mailcert::net {
namespace {

// tchar, RFC 9110 §5.6.2.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  std::string_view specials = "!#$%&'*+-.^_`|~";
  return specials.find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\r') || c == 0x7f) return true;
  }
  return false;
}

HeadScan Reject(int status) {
  HeadScan scan;
  scan.state = HeadScan::State::kRejected;
  scan.status = status;
  return scan;
}

// Request line, RFC 9112 §3: method SP request-target SP HTTP-version, single spaces.
// Returns 0 on success, else the status to answer with.
int ParseRequestLine(std::string_view line, RequestHead& head, bool& http11) {
  size_t first = line.find(' ');
  if (first == std::string_view::npos) return 400;
  size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return 400;
  std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, second - first - 1);
  std::string_view version = line.substr(second + 1);
  if (!IsToken(method) || target.empty()) return 400;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return 400;
  }
  if (version == "HTTP/1.1") {
    http11 = true;
  } else if (version == "HTTP/1.0") {
    http11 = false;
  } else if (version.size() == 8 && version.starts_with("HTTP/") && version[6] == '.') {
    return 505;  // a well-formed version we do not speak (RFC 9110 §15.6.6)
  } else {
    return 400;
  }
  head.method = std::string(method);
  head.target = std::string(target);
  return 0;
}

}  // namespace

HeadScan ScanRequestHead(std::string_view received) {
  // RFC 9112 §2.2: ignore empty lines before the request-line, and accept a bare LF as a line
  // terminator.
  size_t start = 0;
  while (start < received.size() && (received[start] == '\r' || received[start] == '\n')) {
    ++start;
  }
  RequestHead head;
  bool http11 = true;
  bool seen_request_line = false;
  bool seen_host = false;
  std::optional<size_t> content_length;
  size_t pos = start;
  while (true) {
    size_t newline = received.find('\n', pos);
    if (newline == std::string_view::npos || newline + 1 > kMaxRequestHead) {
      if (received.size() > kMaxRequestHead) return Reject(431);  // RFC 6585 §5
      // A request line has no control characters; answer a TLS ClientHello or other binary
      // at once instead of waiting for a line end that may never come.
      if (!seen_request_line && HasControlCharacter(received.substr(pos))) return Reject(400);
      return HeadScan{};
    }
    std::string_view line = received.substr(pos, newline - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos = newline + 1;

    if (!seen_request_line) {
      if (int status = ParseRequestLine(line, head, http11); status != 0) return Reject(status);
      seen_request_line = true;
      continue;
    }
    if (line.empty()) break;  // end of the head
    // RFC 9112 §5.1: no whitespace between name and colon; §5.2: obs-fold may be rejected.
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) return Reject(400);
    std::string_view name = line.substr(0, colon);
    std::string_view value = util::Trim(line.substr(colon + 1));
    head.fields.emplace_back(util::ToLower(name), std::string(value));
    if (util::EqualsIgnoreCase(name, "host")) {
      if (seen_host) return Reject(400);  // RFC 9112 §3.2: more than one Host
      seen_host = true;
      head.host = std::string(value);
    } else if (util::EqualsIgnoreCase(name, "content-length")) {
      size_t length = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
        return Reject(400);  // RFC 9112 §6.3 item 5: invalid Content-Length
      }
      if (content_length && *content_length != length) return Reject(400);
      content_length = length;
    } else if (util::EqualsIgnoreCase(name, "transfer-encoding")) {
      return Reject(411);  // we accept only bodies of a declared length (RFC 9110 §15.5.12)
    }
  }
  if (http11 && !seen_host) return Reject(400);  // RFC 9112 §3.2
  head.content_length = content_length.value_or(0);
  if (head.content_length > kMaxRequestBody) return Reject(413);

  HeadScan scan;
  scan.state = HeadScan::State::kComplete;
  scan.head = std::move(head);
  scan.head_size = pos;
  return scan;
}

std::string_view ReasonPhrase(int status) {
  static constexpr std::pair<int, std::string_view> kPhrases[] = {
      {200, "OK"},
      {201, "Created"},
      {204, "No Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {411, "Length Required"},
      {413, "Content Too Large"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {503, "Service Unavailable"},
      {505, "HTTP Version Not Supported"},
  };
  for (const auto& [code, phrase] : kPhrases) {
    if (code == status) return phrase;
  }
  return "";
}

std::string FormatResponse(int status, std::string_view content_type,
                           const std::vector<std::pair<std::string, std::string>>& extra,
                           std::string_view body, bool head_only) {
  std::string response = "HTTP/1.1 " + std::to_string(status) + " ";
  response.append(ReasonPhrase(status));
  response.append("\r\n");
  if (!content_type.empty()) {
    response.append("Content-Type: ").append(content_type).append("\r\n");
  }
  for (const auto& [name, value] : extra) {
    if (!IsToken(name) || value.find_first_of("\r\n") != std::string::npos) continue;
    if (util::EqualsIgnoreCase(name, "content-length") ||
        util::EqualsIgnoreCase(name, "connection")) {
      continue;
    }
    response.append(name).append(": ").append(value).append("\r\n");
  }
  response.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  response.append("Connection: close\r\n\r\n");
  if (!head_only) response.append(body);
  return response;
}

}  // namespace mailcert::net
