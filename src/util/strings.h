#pragma once
// Small string helpers shared by every module.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailcert::util {

std::vector<std::string> Split(std::string_view text, char separator);
std::string Join(const std::vector<std::string>& parts, std::string_view separator);
std::string_view Trim(std::string_view text);
std::string ToLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string HexEncode(std::string_view bytes);  // lowercase, no separators
// Hex digits (either case, no separators) to bytes; nullopt for an odd length or a non-digit.
std::optional<std::string> HexDecode(std::string_view hex);

// Quotes a value for a one-line message: "value" with control characters escaped.
std::string Quote(std::string_view text);

}  // namespace mailcert::util
