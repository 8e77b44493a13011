#pragma once
// Safe JSON access on top of nlohmann::json: parsing and field reads never throw; a missing or
// mistyped field becomes an Error naming where the document came from and which field is wrong.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace mailcert::util {

using Json = nlohmann::json;

// Errors: kProtocol "<origin>: not valid JSON (<parser message>)"; the text itself is not echoed
// (it may be a key or a server page of arbitrary size).
Result<Json> ParseJson(std::string_view text, const std::string& origin,
                       ErrorCode code = ErrorCode::kProtocol);

// Dumps compactly; invalid UTF-8 is replaced rather than throwing.
std::string DumpJson(const Json& value, int indent = -1);

// nullopt when absent or not of the asked type.
std::optional<std::string> OptionalString(const Json& object, std::string_view key);
std::optional<int64_t> OptionalInt(const Json& object, std::string_view key);
std::optional<bool> OptionalBool(const Json& object, std::string_view key);
// Missing → empty; non-string members are skipped.
std::vector<std::string> StringArray(const Json& object, std::string_view key);

// Errors: `code` "<origin>: field \"key\" is missing or not a string".
Result<std::string> RequiredString(const Json& object, std::string_view key,
                                   const std::string& origin,
                                   ErrorCode code = ErrorCode::kProtocol);

}  // namespace mailcert::util
