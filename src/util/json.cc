#include "util/json.h"

namespace mailcert::util {

Result<Json> ParseJson(std::string_view text, const std::string& origin, ErrorCode code) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& error) {
    std::string what = error.what();
    // nlohmann's message is "[json.exception.parse_error.101] parse error at line 1, …".
    size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    return Fail(code, origin + ": not valid JSON", what);
  }
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::optional<std::string> OptionalString(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> OptionalInt(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<bool> OptionalBool(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::vector<std::string> StringArray(const Json& object, std::string_view key) {
  std::vector<std::string> values;
  if (!object.is_object()) return values;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return values;
  for (const auto& item : *it) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

Result<std::string> RequiredString(const Json& object, std::string_view key,
                                   const std::string& origin, ErrorCode code) {
  auto value = OptionalString(object, key);
  if (!value) {
    return Fail(code, origin + ": field \"" + std::string(key) + "\" is missing or not a string");
  }
  return *value;
}

}  // namespace mailcert::util
