// The parts of http_client.h that do not depend on libcurl.

#include "net/http_client.h"

#include "util/strings.h"

namespace mailcert::net {

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (util::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (util::EqualsIgnoreCase(key, name)) values.push_back(value);
  }
  return values;
}

}  // namespace mailcert::net
