#pragma once
// Base64 (RFC 4648 §4) and base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2).

#include <optional>
#include <string>
#include <string_view>

namespace mailcert::util {

std::string Base64Encode(std::string_view bytes);     // with '=' padding
std::string Base64UrlEncode(std::string_view bytes);  // no padding

// Decodes either alphabet; padding optional; whitespace is not allowed. nullopt on bad input.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace mailcert::util
